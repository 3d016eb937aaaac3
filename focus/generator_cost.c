/* Synthetic FOCUS cost rows (every FocusCost version): on-demand usage, usage covered by
 * reservations and savings plans, unused commitment, commitment purchases, refunds and
 * credits — with list ≥ contracted ≥ effective costs that equal unit price × quantity. */
#include "focus/generator_cost.h"

#include <stdio.h>
#include <string.h>

/* Columns not named here (x_CustomerId, x_ResellerId, x_CostAllocationRuleName, ...) stay
 * null, as they are for direct EA/MCA customers. */
static const focus_field_name cost_fields[] = {
    {"AvailabilityZone", F_AVAILABILITY_ZONE},
    {"BilledCost", F_BILLED_COST},
    {"BillingAccountId", F_BILLING_ACCOUNT_ID},
    {"BillingAccountName", F_BILLING_ACCOUNT_NAME},
    {"BillingAccountType", F_BILLING_ACCOUNT_TYPE},
    {"BillingCurrency", F_BILLING_CURRENCY},
    {"BillingPeriodEnd", F_BILLING_PERIOD_END},
    {"BillingPeriodStart", F_BILLING_PERIOD_START},
    {"CapacityReservationId", F_CAPACITY_RESERVATION_ID},
    {"CapacityReservationStatus", F_CAPACITY_RESERVATION_STATUS},
    {"ChargeCategory", F_CHARGE_CATEGORY},
    {"ChargeClass", F_CHARGE_CLASS},
    {"ChargeDescription", F_CHARGE_DESCRIPTION},
    {"ChargeFrequency", F_CHARGE_FREQUENCY},
    {"ChargePeriodEnd", F_CHARGE_PERIOD_END},
    {"ChargePeriodStart", F_CHARGE_PERIOD_START},
    {"ChargeSubcategory", F_CHARGE_SUBCATEGORY},
    {"CommitmentDiscountCategory", F_CD_CATEGORY},
    {"CommitmentDiscountId", F_CD_ID},
    {"CommitmentDiscountName", F_CD_NAME},
    {"CommitmentDiscountQuantity", F_CD_QUANTITY},
    {"CommitmentDiscountStatus", F_CD_STATUS},
    {"CommitmentDiscountType", F_CD_TYPE},
    {"CommitmentDiscountUnit", F_CD_UNIT},
    {"ConsumedQuantity", F_CONSUMED_QUANTITY},
    {"ConsumedUnit", F_CONSUMED_UNIT},
    {"ContractedCost", F_CONTRACTED_COST},
    {"ContractedUnitPrice", F_CONTRACTED_UNIT_PRICE},
    {"EffectiveCost", F_EFFECTIVE_COST},
    {"InvoiceId", F_INVOICE_ID},
    {"x_InvoiceId", F_INVOICE_ID},
    {"InvoiceIssuerName", F_INVOICE_ISSUER_NAME},
    {"ListCost", F_LIST_COST},
    {"ListUnitPrice", F_LIST_UNIT_PRICE},
    {"PricingCategory", F_PRICING_CATEGORY},
    {"PricingCurrency", F_PRICING_CURRENCY},
    {"x_PricingCurrency", F_PRICING_CURRENCY},
    {"PricingQuantity", F_PRICING_QUANTITY},
    {"PricingUnit", F_PRICING_UNIT},
    {"ProviderName", F_PROVIDER_NAME},
    {"PublisherName", F_PUBLISHER_NAME},
    {"Region", F_REGION},
    {"RegionId", F_REGION_ID},
    {"RegionName", F_REGION_NAME},
    {"ResourceId", F_RESOURCE_ID},
    {"ResourceName", F_RESOURCE_NAME},
    {"ResourceType", F_RESOURCE_TYPE},
    {"ServiceCategory", F_SERVICE_CATEGORY},
    {"ServiceName", F_SERVICE_NAME},
    {"ServiceSubcategory", F_SERVICE_SUBCATEGORY},
    {"SkuId", F_SKU_ID},
    {"SkuMeter", F_SKU_METER},
    {"SkuPriceDetails", F_SKU_PRICE_DETAILS},
    {"SkuPriceId", F_SKU_PRICE_ID},
    {"SubAccountId", F_SUB_ACCOUNT_ID},
    {"SubAccountName", F_SUB_ACCOUNT_NAME},
    {"SubAccountType", F_SUB_ACCOUNT_TYPE},
    {"Tags", F_TAGS},
    {"UsageQuantity", F_USAGE_QUANTITY},
    {"UsageUnit", F_USAGE_UNIT},
    {"x_AccountId", X_ACCOUNT_ID},
    {"x_AccountName", X_ACCOUNT_NAME},
    {"x_AccountOwnerId", X_ACCOUNT_OWNER_ID},
    {"x_AmortizationClass", X_AMORTIZATION_CLASS},
    {"x_BilledCostInUsd", X_BILLED_COST_USD},
    {"x_BilledUnitPrice", X_BILLED_UNIT_PRICE},
    {"x_BillingAccountId", X_BILLING_ACCOUNT_ID},
    {"x_BillingAccountName", X_BILLING_ACCOUNT_NAME},
    {"x_BillingExchangeRate", X_EXCHANGE_RATE},
    {"x_BillingExchangeRateDate", X_EXCHANGE_RATE_DATE},
    {"x_BillingProfileId", X_BILLING_PROFILE_ID},
    {"x_BillingProfileName", X_BILLING_PROFILE_NAME},
    {"x_ChargeId", X_CHARGE_ID},
    {"x_ContractedCostInUsd", X_CONTRACTED_COST_USD},
    {"x_CostCenter", X_COST_CENTER},
    {"x_EffectiveCostInUsd", X_EFFECTIVE_COST_USD},
    {"x_EffectiveUnitPrice", X_EFFECTIVE_UNIT_PRICE},
    {"x_InvoiceSectionId", X_INVOICE_SECTION_ID},
    {"x_InvoiceSectionName", X_INVOICE_SECTION_NAME},
    {"x_ListCostInUsd", X_LIST_COST_USD},
    {"x_OnDemandCost", X_ON_DEMAND_COST},
    {"x_OnDemandCostInUsd", X_ON_DEMAND_COST_USD},
    {"x_OnDemandUnitPrice", X_ON_DEMAND_UNIT_PRICE},
    {"x_PricingBlockSize", X_PRICING_BLOCK_SIZE},
    {"x_PricingSubcategory", X_PRICING_SUBCATEGORY},
    {"x_PricingUnitDescription", X_PRICING_UNIT_DESCRIPTION},
    {"x_PublisherCategory", X_PUBLISHER_CATEGORY},
    {"x_ResourceGroupName", X_RESOURCE_GROUP_NAME},
    {"x_ResourceType", X_RESOURCE_TYPE},
    {"x_ServiceModel", X_SERVICE_MODEL},
    {"x_ServicePeriodEnd", X_SERVICE_PERIOD_END},
    {"x_ServicePeriodStart", X_SERVICE_PERIOD_START},
    {"x_SkuDescription", X_SKU_DESCRIPTION},
    {"x_SkuDetails", X_SKU_DETAILS},
    {"x_SkuIsCreditEligible", X_SKU_CREDIT_ELIGIBLE},
    {"x_SkuMeterCategory", X_SKU_METER_CATEGORY},
    {"x_SkuMeterId", X_SKU_METER_ID},
    {"x_SkuMeterName", X_SKU_METER_NAME},
    {"x_SkuMeterSubcategory", X_SKU_METER_SUBCATEGORY},
    {"x_SkuOfferId", X_SKU_OFFER_ID},
    {"x_SkuOrderId", X_SKU_ORDER_ID},
    {"x_SkuOrderName", X_SKU_ORDER_NAME},
    {"x_SkuPartNumber", X_SKU_PART_NUMBER},
    {"x_SkuRegion", X_SKU_REGION},
    {"x_SkuServiceFamily", X_SKU_SERVICE_FAMILY},
    {"x_SkuTerm", X_SKU_TERM},
};

/* Legacy actual/amortized cost columns, mapped onto the same row plan. */
static const focus_field_name legacy_fields[] = {
    {"BillingAccountId", X_BILLING_ACCOUNT_ID},
    {"BillingAccountName", X_BILLING_ACCOUNT_NAME},
    {"BillingPeriodStartDate", F_BILLING_PERIOD_START},
    {"BillingPeriodEndDate", L_BILLING_PERIOD_LAST_DAY},
    {"BillingProfileId", X_BILLING_PROFILE_ID},
    {"BillingProfileName", X_BILLING_PROFILE_NAME},
    {"AccountOwnerId", X_ACCOUNT_OWNER_ID},
    {"AccountName", X_ACCOUNT_NAME},
    {"SubscriptionId", L_SUBSCRIPTION_GUID},
    {"SubscriptionName", F_SUB_ACCOUNT_NAME},
    {"Date", F_CHARGE_PERIOD_START},
    {"Product", L_PRODUCT},
    {"PartNumber", X_SKU_PART_NUMBER},
    {"MeterId", X_SKU_METER_ID},
    {"ServiceFamily", X_SKU_SERVICE_FAMILY},
    {"MeterCategory", X_SKU_METER_CATEGORY},
    {"MeterSubCategory", X_SKU_METER_SUBCATEGORY},
    {"MeterRegion", X_SKU_REGION},
    {"MeterName", X_SKU_METER_NAME},
    {"Quantity", F_CONSUMED_QUANTITY},
    {"EffectivePrice", X_EFFECTIVE_UNIT_PRICE},
    {"Cost", L_COST},
    {"UnitPrice", F_CONTRACTED_UNIT_PRICE},
    {"BillingCurrency", F_BILLING_CURRENCY},
    {"ResourceLocation", F_REGION_ID},
    {"AvailabilityZone", F_AVAILABILITY_ZONE},
    {"ConsumedService", L_CONSUMED_SERVICE},
    {"ResourceId", F_RESOURCE_ID},
    {"ResourceName", F_RESOURCE_NAME},
    {"AdditionalInfo", X_SKU_DETAILS},
    {"Tags", F_TAGS},
    {"InvoiceSectionId", X_INVOICE_SECTION_ID},
    {"InvoiceSection", X_INVOICE_SECTION_NAME},
    {"CostCenter", X_COST_CENTER},
    {"UnitOfMeasure", X_PRICING_UNIT_DESCRIPTION},
    {"ResourceGroup", X_RESOURCE_GROUP_NAME},
    {"ReservationId", L_RESERVATION_ID},
    {"ReservationName", L_RESERVATION_NAME},
    {"ProductOrderId", X_SKU_ORDER_ID},
    {"ProductOrderName", X_SKU_ORDER_NAME},
    {"OfferId", X_SKU_OFFER_ID},
    {"IsAzureCreditEligible", X_SKU_CREDIT_ELIGIBLE},
    {"Term", L_TERM_MONTHS},
    {"PublisherName", F_PUBLISHER_NAME},
    {"ChargeType", L_CHARGE_TYPE},
    {"Frequency", L_FREQUENCY},
    {"PublisherType", L_PUBLISHER_TYPE},
};

/* The services a commitment of this kind can cover, the index-th of them. */
static const focus_service *commitment_service(commitment_kind kind, uint32_t index)
{
    uint32_t count = 0;
    for (size_t i = 0; i < focus_service_count; i++)
        count += focus_services[i].commitment == kind;
    uint32_t pick = index % (count ? count : 1);
    for (size_t i = 0; i < focus_service_count; i++)
        if (focus_services[i].commitment == kind && pick-- == 0)
            return &focus_services[i];
    return &focus_services[0];
}

/* A resource's attributes depend only on the scope and its number, so a ResourceId always
 * comes with the same name, type, region, subscription and tags. */
static void resource_attributes(const focus_generator *g, uint32_t resource, cost_row *row)
{
    focus_rng rng = {focus_mix(g->scope.seed ^ (UINT64_C(0x5EED) + resource))};
    row->resource = resource;
    row->service = focus_service_pick(&rng);
    row->region = &focus_regions[focus_rng_below(
        &rng,
        (uint32_t)(focus_region_count > 4 && focus_rng_below(&rng, 3) ? 4 : focus_region_count))];
    row->subscription = focus_rng_below(&rng, g->scope.subscription_count);
    row->resource_group = focus_rng_below(&rng, g->scope.resource_groups_per_subscription);
    row->zone = row->service->commitment == COMMIT_RESERVATION ? (int)focus_rng_below(&rng, 4) : 0;
    row->tag_set = (int)focus_rng_below(&rng, 5);
}

static void price(const focus_generator *g, cost_row *row, double quantity)
{
    const focus_service *s = row->service;
    row->consumed = focus_round(quantity, 4);
    row->pricing_quantity = focus_round(row->consumed / s->block_size, 8);
    row->list_price = focus_round(s->list_price * row->region->price_factor, 6);
    row->contracted_price = focus_round(row->list_price * (1.0 - g->scope.negotiated_discount), 6);
    double commitment_rate = row->commitment == COMMIT_RESERVATION ? 0.58 : 0.72;
    bool committed = row->kind == ROW_COVERED || row->kind == ROW_UNUSED;
    row->effective_price =
        committed ? focus_round(row->contracted_price * commitment_rate, 6) : row->contracted_price;
    row->billed_price = committed ? 0 : row->contracted_price;
    double q = row->pricing_quantity;
    row->list_cost = focus_round(row->list_price * q, 10);
    row->contracted_cost = focus_round(row->contracted_price * q, 10);
    row->effective_cost = focus_round(row->effective_price * q, 10);
    row->billed_cost = focus_round(row->billed_price * q, 10);
}

void focus_cost_plan_row(focus_generator *g, focus_rng *rng, cost_row *row)
{
    memset(row, 0, sizeof(*row));
    int day = (int)(g->row * (uint64_t)g->data_days / g->options.rows);
    row->start = g->month_start + (int64_t)day * 86400 * 1000000;
    row->end = row->start + (int64_t)86400 * 1000000;
    double roll = focus_rng_unit(rng);
    row->kind = roll < 0.003   ? ROW_CREDIT
                : roll < 0.005 ? ROW_REFUND
                : roll < 0.012 ? ROW_PURCHASE
                : roll < 0.025 ? ROW_UNUSED
                               : ROW_USAGE;
    if (row->kind == ROW_USAGE) {
        resource_attributes(g, focus_rng_below(rng, g->resource_pool), row);
        row->commitment = row->service->commitment;
        if (row->commitment != COMMIT_NONE && focus_rng_unit(rng) < 0.4) {
            row->kind = ROW_COVERED;
            row->commitment_index = row->resource % g->commitment_pool;
        } else {
            row->commitment = COMMIT_NONE;
        }
        double scale = 0.25 + 0.75 * focus_rng_unit(rng);
        price(g, row, row->service->typical_quantity * scale);
        return;
    }
    if (row->kind == ROW_CREDIT) {
        resource_attributes(g, focus_rng_below(rng, g->resource_pool), row);
        price(g, row, 0);
        row->billed_cost = row->effective_cost = -focus_round(5 + 200 * focus_rng_unit(rng), 2);
        return;
    }
    /* Unused commitment, purchases and refunds belong to a commitment, not a resource. */
    row->commitment = focus_rng_below(rng, 3) ? COMMIT_RESERVATION : COMMIT_SAVINGS_PLAN;
    row->commitment_index = focus_rng_below(rng, g->commitment_pool);
    resource_attributes(g, row->commitment_index, row);
    row->service = commitment_service(row->commitment, row->commitment_index);
    if (row->kind == ROW_UNUSED) {
        price(g, row, 0.5 + 23.5 * focus_rng_unit(rng));
        return;
    }
    price(g, row, 1);
    double fee =
        focus_round(row->contracted_price * 0.58 * 730 * (1 + row->commitment_index % 4), 2);
    double sign = row->kind == ROW_REFUND ? -1 : 1;
    row->pricing_quantity = row->consumed = sign;
    row->list_price = row->contracted_price = row->billed_price = fee;
    row->effective_price = 0;
    row->list_cost = row->contracted_cost = row->billed_cost = sign * fee;
    row->effective_cost = 0;
}

static void commitment_id(const focus_generator *g, const cost_row *row, char *out, size_t cap)
{
    char order[37], item[37];
    focus_guid(g->scope.seed, 40 + row->commitment, row->commitment_index, order);
    focus_guid(g->scope.seed, 50 + row->commitment, row->commitment_index, item);
    if (row->commitment == COMMIT_RESERVATION)
        snprintf(out, cap, "/providers/microsoft.capacity/reservationorders/%s/reservations/%s",
                 order, item);
    else
        snprintf(out, cap,
                 "/providers/microsoft.billingbenefits/savingsplanorders/%s/savingsplans/%s", order,
                 item);
}

const char *const focus_cost_tag_sets[] = {
    NULL,
    "{\"env\":\"prod\",\"team\":\"Platform\",\"costCenter\":\"CC-1001\"}",
    "{\"env\":\"dev\",\"team\":\"Data\"}",
    "{\"env\":\"prod\",\"app\":\"web, api\",\"costCenter\":\"CC-2040\"}",
    "{\"team\":\"Finance\",\"owner\":\"ops@contoso.example\"}",
};
const char *const focus_cost_centers[] = {NULL, "CC-1001", NULL, "CC-2040", NULL};

void focus_cost_name_row(const focus_generator *g, const cost_row *r, cost_names *n)
{
    const focus_service *s = r->service;
    focus_scope_subscription(&g->scope, r->subscription, n->subscription, n->subscription_name,
                             sizeof(n->subscription_name));
    focus_scope_resource_group(&g->scope, r->subscription, r->resource_group, n->resource_group,
                               sizeof(n->resource_group));
    size_t service_index = (size_t)(s - focus_services);
    size_t region_index = (size_t)(r->region - focus_regions);
    focus_guid(0, 60, service_index * 100 + region_index, n->meter_id);
    focus_product_id(service_index, n->sku_id);
    snprintf(n->account_id, sizeof(n->account_id), "%u",
             (unsigned)(100000 + focus_mix(g->scope.seed ^ r->subscription) % 900000));
    n->commitment_id[0] = n->commitment_name[0] = '\0';
    if (r->commitment != COMMIT_NONE) {
        commitment_id(g, r, n->commitment_id, sizeof(n->commitment_id));
        uint64_t c = focus_mix(g->scope.seed ^ (r->commitment_index + 991));
        if (r->commitment == COMMIT_RESERVATION)
            snprintf(n->commitment_name, sizeof(n->commitment_name),
                     "VM_RI_%02u-%02u-2024_%02u-%02u", (unsigned)(c % 12 + 1),
                     (unsigned)(c / 12 % 28 + 1), (unsigned)(c / 400 % 24),
                     (unsigned)(c / 9999 % 60));
        else
            snprintf(n->commitment_name, sizeof(n->commitment_name), "SP_Compute_%s_%02u",
                     g->scope.mca ? "MCA" : "EA", r->commitment_index + 1);
    }
    bool commitment_row = r->kind == ROW_UNUSED || r->kind == ROW_PURCHASE || r->kind == ROW_REFUND;
    if (commitment_row) {
        snprintf(n->resource_id, sizeof(n->resource_id), "%s", n->commitment_id);
        snprintf(n->resource_name, sizeof(n->resource_name), "%s", n->commitment_name);
        return;
    }
    snprintf(n->resource_name, sizeof(n->resource_name), "%s-%s-%04u", s->name_prefix,
             r->region->id, r->resource % 10000);
    const char *slash = strchr(s->arm_type, '/');
    const char *child = slash ? strchr(slash + 1, '/') : NULL;
    if (child) /* a child type: microsoft.sql/servers/databases → servers/{parent}/databases/{name}
                */
        snprintf(n->resource_id, sizeof(n->resource_id),
                 "/subscriptions/%s/resourcegroups/%s/providers/%.*s/sql-%s/%s/%s", n->subscription,
                 n->resource_group, (int)(child - s->arm_type), s->arm_type, r->region->id,
                 child + 1, n->resource_name);
    else
        snprintf(n->resource_id, sizeof(n->resource_id),
                 "/subscriptions/%s/resourcegroups/%s/providers/%s/%s", n->subscription,
                 n->resource_group, s->arm_type, n->resource_name);
}

int focus_cost_field(const focus_schema *schema, const char *name)
{
    if (schema->dataset == FOCUS_DATASET_COST_DETAILS)
        return focus_field_lookup(legacy_fields, sizeof(legacy_fields) / sizeof(legacy_fields[0]),
                                  name);
    return focus_field_lookup(cost_fields, sizeof(cost_fields) / sizeof(cost_fields[0]), name);
}
