/* Internals of the FOCUS cost row generator: the field ids of FOCUS columns, the plan of one
 * row (what kind of charge, which resource, prices) and the names derived from it. */
#ifndef HUBAGENT_FOCUS_GENERATOR_COST_H
#define HUBAGENT_FOCUS_GENERATOR_COST_H

#include "focus/generator_int.h"

enum cost_field {
    F_AVAILABILITY_ZONE,
    F_BILLED_COST,
    F_BILLING_ACCOUNT_ID,
    F_BILLING_ACCOUNT_NAME,
    F_BILLING_ACCOUNT_TYPE,
    F_BILLING_CURRENCY,
    F_BILLING_PERIOD_END,
    F_BILLING_PERIOD_START,
    F_CAPACITY_RESERVATION_ID,
    F_CAPACITY_RESERVATION_STATUS,
    F_CHARGE_CATEGORY,
    F_CHARGE_CLASS,
    F_CHARGE_DESCRIPTION,
    F_CHARGE_FREQUENCY,
    F_CHARGE_PERIOD_END,
    F_CHARGE_PERIOD_START,
    F_CHARGE_SUBCATEGORY,
    F_CD_CATEGORY,
    F_CD_ID,
    F_CD_NAME,
    F_CD_QUANTITY,
    F_CD_STATUS,
    F_CD_TYPE,
    F_CD_UNIT,
    F_CONSUMED_QUANTITY,
    F_CONSUMED_UNIT,
    F_CONTRACTED_COST,
    F_CONTRACTED_UNIT_PRICE,
    F_EFFECTIVE_COST,
    F_INVOICE_ID,
    F_INVOICE_ISSUER_NAME,
    F_LIST_COST,
    F_LIST_UNIT_PRICE,
    F_PRICING_CATEGORY,
    F_PRICING_CURRENCY,
    F_PRICING_QUANTITY,
    F_PRICING_UNIT,
    F_PROVIDER_NAME,
    F_PUBLISHER_NAME,
    F_REGION,
    F_REGION_ID,
    F_REGION_NAME,
    F_RESOURCE_ID,
    F_RESOURCE_NAME,
    F_RESOURCE_TYPE,
    F_SERVICE_CATEGORY,
    F_SERVICE_NAME,
    F_SERVICE_SUBCATEGORY,
    F_SKU_ID,
    F_SKU_METER,
    F_SKU_PRICE_DETAILS,
    F_SKU_PRICE_ID,
    F_SUB_ACCOUNT_ID,
    F_SUB_ACCOUNT_NAME,
    F_SUB_ACCOUNT_TYPE,
    F_TAGS,
    F_USAGE_QUANTITY,
    F_USAGE_UNIT,
    X_ACCOUNT_ID,
    X_ACCOUNT_NAME,
    X_ACCOUNT_OWNER_ID,
    X_AMORTIZATION_CLASS,
    X_BILLED_COST_USD,
    X_BILLED_UNIT_PRICE,
    X_BILLING_ACCOUNT_ID,
    X_BILLING_ACCOUNT_NAME,
    X_EXCHANGE_RATE,
    X_EXCHANGE_RATE_DATE,
    X_BILLING_PROFILE_ID,
    X_BILLING_PROFILE_NAME,
    X_CHARGE_ID,
    X_CONTRACTED_COST_USD,
    X_COST_CENTER,
    X_EFFECTIVE_COST_USD,
    X_EFFECTIVE_UNIT_PRICE,
    X_INVOICE_SECTION_ID,
    X_INVOICE_SECTION_NAME,
    X_LIST_COST_USD,
    X_ON_DEMAND_COST,
    X_ON_DEMAND_COST_USD,
    X_ON_DEMAND_UNIT_PRICE,
    X_PRICING_BLOCK_SIZE,
    X_PRICING_SUBCATEGORY,
    X_PRICING_UNIT_DESCRIPTION,
    X_PUBLISHER_CATEGORY,
    X_RESOURCE_GROUP_NAME,
    X_RESOURCE_TYPE,
    X_SERVICE_MODEL,
    X_SERVICE_PERIOD_END,
    X_SERVICE_PERIOD_START,
    X_SKU_DESCRIPTION,
    X_SKU_DETAILS,
    X_SKU_CREDIT_ELIGIBLE,
    X_SKU_METER_CATEGORY,
    X_SKU_METER_ID,
    X_SKU_METER_NAME,
    X_SKU_METER_SUBCATEGORY,
    X_SKU_OFFER_ID,
    X_SKU_ORDER_ID,
    X_SKU_ORDER_NAME,
    X_SKU_PART_NUMBER,
    X_SKU_REGION,
    X_SKU_SERVICE_FAMILY,
    X_SKU_TERM,
    /* legacy cost details */
    L_BILLING_PERIOD_LAST_DAY,
    L_SUBSCRIPTION_GUID,
    L_PRODUCT,
    L_COST,
    L_CONSUMED_SERVICE,
    L_RESERVATION_ID,
    L_RESERVATION_NAME,
    L_CHARGE_TYPE,
    L_FREQUENCY,
    L_PUBLISHER_TYPE,
    L_TERM_MONTHS
};

typedef enum row_kind {
    ROW_USAGE,
    ROW_COVERED,
    ROW_UNUSED,
    ROW_PURCHASE,
    ROW_REFUND,
    ROW_CREDIT
} row_kind;

/* Everything one row says, computed before any column is filled. */
typedef struct cost_row {
    row_kind kind;
    commitment_kind commitment;
    uint32_t commitment_index;
    const focus_service *service;
    const focus_region *region;
    uint32_t resource, subscription, resource_group;
    int zone;
    int tag_set;
    int64_t start, end;
    double consumed, pricing_quantity;
    double list_price, contracted_price, effective_price, billed_price;
    double list_cost, contracted_cost, effective_cost, billed_cost;
} cost_row;

/* Names and ids derived from the row plan; each depends only on what it identifies. */
typedef struct cost_names {
    char subscription[37], subscription_name[64], resource_group[96], resource_name[128];
    char resource_id[400], commitment_id[200], commitment_name[64], meter_id[37], sku_id[16];
    char account_id[16];
} cost_names;

void focus_cost_plan_row(focus_generator *g, focus_rng *rng, cost_row *row);
void focus_cost_name_row(const focus_generator *g, const cost_row *r, cost_names *n);
/* The field id of a column of a FOCUS or legacy cost schema, -1 if the generator has none. */
int focus_cost_field(const focus_schema *schema, const char *name);

extern const char *const focus_cost_tag_sets[];
extern const char *const focus_cost_centers[];

#endif
