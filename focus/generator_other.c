/* Synthetic rows for the datasets besides FOCUS cost: price sheet (EA, MCA), reservation
 * details, recommendations and transactions. Reservation ids match the ones FOCUS rows of the
 * same scope use, so datasets join the way real exports do. */
#include "focus/generator_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum other_field {
    O_ENROLLMENT,
    O_METER_ID,
    O_METER_NAME,
    O_METER_TYPE,
    O_METER_CATEGORY,
    O_METER_SUBCATEGORY,
    O_SERVICE_FAMILY,
    O_PRODUCT,
    O_SKU_ID,
    O_PRODUCT_ID,
    O_METER_REGION,
    O_UNIT_OF_MEASURE,
    O_PART_NUMBER,
    O_EFFECTIVE_START,
    O_EFFECTIVE_END,
    O_UNIT_PRICE,
    O_BASE_PRICE,
    O_MARKET_PRICE,
    O_CURRENCY,
    O_BILLING_CURRENCY,
    O_INCLUDED_QUANTITY,
    O_OFFER_ID,
    O_TERM,
    O_PRICE_TYPE,
    O_BILLING_ACCOUNT_ID,
    O_BILLING_ACCOUNT_NAME,
    O_BILLING_PROFILE_ID,
    O_BILLING_PROFILE_NAME,
    O_TIER_MINIMUM,
    O_FLEX_GROUP,
    O_FLEX_RATIO,
    O_INSTANCE_ID,
    O_KIND,
    O_RESERVATION_ORDER_ID,
    O_RESERVATION_ID,
    O_RESERVED_HOURS,
    O_SKU_NAME,
    O_TOTAL_RESERVED,
    O_USAGE_DATE,
    O_USED_HOURS,
    O_LOCATION,
    O_COST_WITHOUT,
    O_FIRST_USAGE,
    O_LOOKBACK,
    O_NET_SAVINGS,
    O_NORMALIZED_SIZE,
    O_RECOMMENDED,
    O_RECOMMENDED_NORMALIZED,
    O_RESOURCE_TYPE,
    O_SCOPE,
    O_SUBSCRIPTION_ID,
    O_SKU_PROPERTIES,
    O_COST_WITH,
    O_ACCOUNT_NAME,
    O_ACCOUNT_OWNER,
    O_AMOUNT,
    O_ARM_SKU,
    O_BILLING_FREQUENCY,
    O_BILLING_MONTH,
    O_COST_CENTER,
    O_DEPARTMENT,
    O_DESCRIPTION,
    O_EVENT_DATE,
    O_EVENT_TYPE,
    O_MONETARY_COMMITMENT,
    O_OVERAGE,
    O_PURCHASING_SUBSCRIPTION,
    O_PURCHASING_SUBSCRIPTION_NAME,
    O_PURCHASING_ENROLLMENT,
    O_QUANTITY,
    O_REGION,
    O_RESERVATION_ORDER_NAME,
    O_INVOICE,
    O_INVOICE_SECTION_ID,
    O_INVOICE_SECTION_NAME
};

/* EA and MCA spell some columns differently (MeterID/MeterId, "Net Savings"/NetSavings). */
static const focus_field_name other_fields[] = {
    {"EnrollmentNumber", O_ENROLLMENT},
    {"MeterID", O_METER_ID},
    {"MeterId", O_METER_ID},
    {"MeterName", O_METER_NAME},
    {"MeterType", O_METER_TYPE},
    {"MeterCategory", O_METER_CATEGORY},
    {"MeterSubCategory", O_METER_SUBCATEGORY},
    {"ServiceFamily", O_SERVICE_FAMILY},
    {"Product", O_PRODUCT},
    {"SkuID", O_SKU_ID},
    {"SkuId", O_SKU_ID},
    {"ProductID", O_PRODUCT_ID},
    {"ProductId", O_PRODUCT_ID},
    {"MeterRegion", O_METER_REGION},
    {"UnitOfMeasure", O_UNIT_OF_MEASURE},
    {"PartNumber", O_PART_NUMBER},
    {"EffectiveStartDate", O_EFFECTIVE_START},
    {"EffectiveEndDate", O_EFFECTIVE_END},
    {"UnitPrice", O_UNIT_PRICE},
    {"BasePrice", O_BASE_PRICE},
    {"MarketPrice", O_MARKET_PRICE},
    {"CurrencyCode", O_CURRENCY},
    {"Currency", O_CURRENCY},
    {"BillingCurrency", O_BILLING_CURRENCY},
    {"IncludedQuantity", O_INCLUDED_QUANTITY},
    {"OfferID", O_OFFER_ID},
    {"Term", O_TERM},
    {"PriceType", O_PRICE_TYPE},
    {"BillingAccountId", O_BILLING_ACCOUNT_ID},
    {"BillingAccountName", O_BILLING_ACCOUNT_NAME},
    {"BillingProfileId", O_BILLING_PROFILE_ID},
    {"BillingProfileName", O_BILLING_PROFILE_NAME},
    {"TierMinimumUnits", O_TIER_MINIMUM},
    {"InstanceFlexibilityGroup", O_FLEX_GROUP},
    {"Instance Flexibility Group", O_FLEX_GROUP},
    {"InstanceFlexibilityRatio", O_FLEX_RATIO},
    {"Instance Flexibility Ratio", O_FLEX_RATIO},
    {"InstanceId", O_INSTANCE_ID},
    {"Kind", O_KIND},
    {"ReservationOrderId", O_RESERVATION_ORDER_ID},
    {"ReservationId", O_RESERVATION_ID},
    {"ReservedHours", O_RESERVED_HOURS},
    {"SkuName", O_SKU_NAME},
    {"SKU", O_SKU_NAME},
    {"TotalReservedQuantity", O_TOTAL_RESERVED},
    {"UsageDate", O_USAGE_DATE},
    {"UsedHours", O_USED_HOURS},
    {"Location", O_LOCATION},
    {"CostWithNoReservedInstances", O_COST_WITHOUT},
    {"Cost With No ReservedInstances", O_COST_WITHOUT},
    {"FirstUsageDate", O_FIRST_USAGE},
    {"First UsageDate", O_FIRST_USAGE},
    {"LookBackPeriod", O_LOOKBACK},
    {"NetSavings", O_NET_SAVINGS},
    {"Net Savings", O_NET_SAVINGS},
    {"NormalizedSize", O_NORMALIZED_SIZE},
    {"Normalized Size", O_NORMALIZED_SIZE},
    {"RecommendedQuantity", O_RECOMMENDED},
    {"Recommended Quantity", O_RECOMMENDED},
    {"RecommendedQuantityNormalized", O_RECOMMENDED_NORMALIZED},
    {"Recommended Quantity Normalized", O_RECOMMENDED_NORMALIZED},
    {"ResourceType", O_RESOURCE_TYPE},
    {"Scope", O_SCOPE},
    {"scope", O_SCOPE},
    {"SubscriptionId", O_SUBSCRIPTION_ID},
    {"SkuProperties", O_SKU_PROPERTIES},
    {"Sku Properties", O_SKU_PROPERTIES},
    {"TotalCostWithReservedInstances", O_COST_WITH},
    {"Total Cost With ReservedInstances", O_COST_WITH},
    {"AccountName", O_ACCOUNT_NAME},
    {"AccountOwnerEmail", O_ACCOUNT_OWNER},
    {"Amount", O_AMOUNT},
    {"ArmSkuName", O_ARM_SKU},
    {"BillingFrequency", O_BILLING_FREQUENCY},
    {"BillingMonth", O_BILLING_MONTH},
    {"CostCenter", O_COST_CENTER},
    {"CurrentEnrollmentId", O_ENROLLMENT},
    {"DepartmentName", O_DEPARTMENT},
    {"Description", O_DESCRIPTION},
    {"EventDate", O_EVENT_DATE},
    {"EventType", O_EVENT_TYPE},
    {"MonetaryCommitment", O_MONETARY_COMMITMENT},
    {"Overage", O_OVERAGE},
    {"PurchasingSubscriptionGuid", O_PURCHASING_SUBSCRIPTION},
    {"PurchasingSubscriptionName", O_PURCHASING_SUBSCRIPTION_NAME},
    {"PurchasingEnrollment", O_PURCHASING_ENROLLMENT},
    {"Quantity", O_QUANTITY},
    {"Region", O_REGION},
    {"ReservationOrderName", O_RESERVATION_ORDER_NAME},
    {"Invoice", O_INVOICE},
    {"InvoiceId", O_INVOICE},
    {"InvoiceSectionId", O_INVOICE_SECTION_ID},
    {"InvoiceSectionName", O_INVOICE_SECTION_NAME},
};

#define DAY_MICROS ((int64_t)86400 * 1000000)

/* What one row is about: a service in a region, maybe a reservation, a day, a term. */
typedef struct other_row {
    const focus_service *service;
    const focus_region *region;
    uint32_t variant, reservation, instance, quantity, subscription;
    int day;
    const char *term, *price_type, *event_type, *lookback;
    bool shared, mca;
    double unit_price, base_price, hourly, amount, used_hours, cost_without, cost_with;
    char reservation_order[37], reservation_id[37], meter_id[37], subscription_id[37];
    char product_id[13];
    char subscription_name[64];
} other_row;

/* The index-th service a reservation can cover (VMs, SQL, Cosmos DB, Redis, ADX). */
static const focus_service *reservable(uint32_t index)
{
    uint32_t count = 0;
    for (size_t i = 0; i < focus_service_count; i++)
        count += focus_services[i].commitment == COMMIT_RESERVATION;
    uint32_t pick = index % count;
    for (size_t i = 0; i < focus_service_count; i++)
        if (focus_services[i].commitment == COMMIT_RESERVATION && pick-- == 0)
            return &focus_services[i];
    return &focus_services[0];
}

static uint32_t reservation_quantity(const focus_generator *g, uint32_t reservation)
{
    return 1 + (uint32_t)(focus_mix(g->scope.seed ^ (reservation + 5151)) % 4);
}

static void reservation_ids(const focus_generator *g, other_row *r)
{
    /* Same derivation as FOCUS commitment ids (generator_cost.c): salt 40/50 + kind. */
    focus_guid(g->scope.seed, 40 + COMMIT_RESERVATION, r->reservation, r->reservation_order);
    focus_guid(g->scope.seed, 50 + COMMIT_RESERVATION, r->reservation, r->reservation_id);
    r->service = reservable(r->reservation);
    r->region = &focus_regions[focus_mix(g->scope.seed ^ r->reservation) % 4];
    r->quantity = reservation_quantity(g, r->reservation);
    focus_guid(0, 60,
               (uint64_t)(r->service - focus_services) * 100 +
                   (uint64_t)(r->region - focus_regions),
               r->meter_id);
    r->hourly = focus_round(r->service->list_price * r->region->price_factor *
                                (1 - g->scope.negotiated_discount) * g->scope.exchange_rate * 0.58,
                            6);
}

static void plan_other(focus_generator *g, focus_rng *rng, other_row *r)
{
    memset(r, 0, sizeof(*r));
    uint32_t services = (uint32_t)focus_service_count, regions = (uint32_t)focus_region_count;
    uint64_t i = g->row;
    r->mca = g->scope.mca || (g->schema->variant && strcmp(g->schema->variant, "MCA") == 0);
    r->day = (int)(i * (uint64_t)g->data_days / g->options.rows);
    switch (g->schema->dataset) {
    case FOCUS_DATASET_PRICE_SHEET: {
        r->service = &focus_services[i % services];
        r->region = &focus_regions[i / services % regions];
        uint32_t kind = (uint32_t)(i / (services * regions) % 4);
        r->variant = (uint32_t)(i / (services * regions * 4));
        if (r->service->commitment == COMMIT_NONE)
            kind = 0;
        static const char *const types[] = {"Consumption", "ReservedInstance", "ReservedInstance",
                                            "SavingsPlan"};
        static const char *const terms[] = {NULL, "P1Y", "P3Y", "P1Y"};
        r->price_type = types[kind];
        r->term = terms[kind];
        r->base_price = focus_round(r->service->list_price * r->region->price_factor *
                                        g->scope.exchange_rate * (1 + 0.01 * r->variant),
                                    6);
        double contracted = focus_round(r->base_price * (1 - g->scope.negotiated_discount), 6);
        r->unit_price = kind == 0   ? contracted
                        : kind == 1 ? focus_round(contracted * 0.58 * 8760, 2)
                        : kind == 2 ? focus_round(contracted * 0.42 * 26280, 2)
                                    : focus_round(contracted * 0.72, 6);
        r->base_price = kind == 1   ? focus_round(r->base_price * 8760, 2)
                        : kind == 2 ? focus_round(r->base_price * 26280, 2)
                                    : r->base_price;
        /* Variant 0 is the meter FOCUS rows show as x_SkuMeterId (same derivation). */
        focus_product_id((uint64_t)(r->service - focus_services), r->product_id);
        focus_guid(0, 60 + r->variant,
                   (uint64_t)(r->service - focus_services) * 100 +
                       (uint64_t)(r->region - focus_regions),
                   r->meter_id);
        break;
    }
    case FOCUS_DATASET_RESERVATION_DETAILS: {
        uint64_t slot = i % g->slot_count;
        r->day = (int)(i / g->slot_count % (uint64_t)g->data_days);
        /* Binary search the reservation owning this slot. */
        uint32_t lo = 0, hi = g->commitment_pool - 1;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (g->slot_prefix[mid + 1] <= slot)
                lo = mid + 1;
            else
                hi = mid;
        }
        r->reservation = lo;
        r->instance = (uint32_t)(slot - g->slot_prefix[lo]);
        reservation_ids(g, r);
        /* Each instance uses at most a day, so a reservation-day's UsedHours ≤ ReservedHours. */
        r->used_hours = focus_rng_below(rng, 5) ? 24 : focus_round(24 * focus_rng_unit(rng), 2);
        break;
    }
    case FOCUS_DATASET_RESERVATION_RECOMMENDATIONS: {
        r->reservation = (uint32_t)i;
        reservation_ids(g, r);
        r->region = &focus_regions[i / 5 % regions];
        r->term = (i / 50) % 2 ? "P3Y" : "P1Y";
        r->shared = (i / 100) % 2 == 0;
        static const char *const lookbacks[] = {"Last30Days", "Last7Days", "Last60Days"};
        r->lookback = lookbacks[i / 200 % 3];
        r->subscription = (uint32_t)(i / 200 % g->scope.subscription_count);
        double monthly = focus_round(r->hourly / 0.58 * 730 * r->quantity, 4);
        r->cost_without = monthly;
        r->cost_with = focus_round(monthly * (strcmp(r->term, "P3Y") == 0 ? 0.42 : 0.58), 4);
        break;
    }
    default: { /* reservation transactions */
        r->reservation = (uint32_t)(i % g->commitment_pool);
        reservation_ids(g, r);
        r->term = r->reservation % 3 ? "P1Y" : "P3Y";
        r->subscription = r->reservation % g->scope.subscription_count;
        bool recurring = i < g->commitment_pool;
        r->event_type = recurring || i % 7 ? "Purchase" : "Refund";
        r->price_type = recurring ? "Recurring" : "OneTime";
        double monthly = focus_round(r->hourly * 730 * r->quantity, 2);
        r->amount = recurring ? monthly : focus_round(monthly * 12, 2);
        if (strcmp(r->event_type, "Refund") == 0)
            r->amount = -r->amount;
        r->day = (int)(focus_mix(g->seed ^ i) % (uint64_t)g->data_days);
        break;
    }
    }
    focus_scope_subscription(&g->scope, r->subscription, r->subscription_id, r->subscription_name,
                             sizeof(r->subscription_name));
}

static focus_status build_other_row(focus_generator *g, focus_error *error)
{
    (void)error;
    focus_rng rng = {focus_mix(g->seed ^ (g->row * UINT64_C(0x2545F4914F6CDD1D)))};
    other_row r;
    plan_other(g, &rng, &r);
    const focus_scope_model *m = &g->scope;
    const focus_service *s = r.service;
    int64_t day = g->month_start + (int64_t)r.day * DAY_MICROS;
    bool vm = s && strcmp(s->name, "Virtual Machines") == 0;
    for (size_t i = 0; i < g->schema->column_count; i++) {
        int c = (int)i;
        switch (g->fields[i]) {
        case O_ENROLLMENT:
        case O_PURCHASING_ENROLLMENT:
            focus_gen_const(g, c, m->enrollment);
            break;
        case O_METER_ID:
            focus_gen_copy(g, c, r.meter_id);
            break;
        case O_METER_NAME:
            if (r.variant)
                focus_gen_text(g, c, "%s v%u", s->meter_name, r.variant + 1);
            else
                focus_gen_const(g, c, s->meter_name);
            break;
        case O_METER_TYPE:
        case O_UNIT_OF_MEASURE:
            focus_gen_const(g, c, s->pricing_unit);
            break;
        case O_METER_CATEGORY:
            focus_gen_const(g, c, s->meter_category);
            break;
        case O_METER_SUBCATEGORY:
            focus_gen_const(g, c, s->meter_subcategory);
            break;
        case O_SERVICE_FAMILY:
            focus_gen_const(g, c, s->service_family);
            break;
        case O_PRODUCT:
            focus_gen_text(g, c, "%s %s - %s - %s", s->meter_category, s->meter_subcategory,
                           s->meter_name, r.region->sku_region);
            break;
        case O_SKU_ID:
            focus_gen_text(g, c, "%s/%04X", r.product_id, (unsigned)r.variant + 0xF8);
            break;
        case O_PRODUCT_ID:
            focus_gen_copy(g, c, r.product_id);
            break;
        case O_METER_REGION:
            focus_gen_const(g, c, r.region->sku_region);
            break;
        case O_PART_NUMBER:
            focus_gen_text(g, c, "AAH-%05u",
                           (unsigned)(focus_mix(r.meter_id[0] * 131 + r.meter_id[3]) % 100000));
            break;
        case O_EFFECTIVE_START:
            focus_gen_time(g, c, g->month_start);
            break;
        case O_EFFECTIVE_END:
            focus_gen_time(g, c, g->month_end - DAY_MICROS);
            break;
        case O_UNIT_PRICE:
            focus_gen_number(g, c, r.unit_price);
            break;
        case O_BASE_PRICE:
        case O_MARKET_PRICE:
            focus_gen_number(g, c, r.base_price);
            break;
        case O_CURRENCY:
        case O_BILLING_CURRENCY:
            focus_gen_const(g, c, m->currency);
            break;
        case O_INCLUDED_QUANTITY:
        case O_OVERAGE:
            focus_gen_number(g, c, 0);
            break;
        case O_OFFER_ID:
            focus_gen_const(g, c, "MS-AZR-0017P");
            break;
        case O_TERM:
            focus_gen_const(g, c, r.term);
            break;
        case O_PRICE_TYPE:
            focus_gen_const(g, c, r.price_type);
            break;
        case O_BILLING_ACCOUNT_ID:
            focus_gen_const(g, c, m->billing_account_id);
            break;
        case O_BILLING_ACCOUNT_NAME:
            focus_gen_const(g, c, m->billing_account_name);
            break;
        case O_BILLING_PROFILE_ID:
            focus_gen_const(g, c, m->billing_profile_id);
            break;
        case O_BILLING_PROFILE_NAME:
            focus_gen_const(g, c, m->billing_profile_name);
            break;
        case O_TIER_MINIMUM:
            focus_gen_text(g, c, "%u", r.variant * 100);
            break;
        case O_FLEX_GROUP:
            focus_gen_const(g, c, vm ? "DSv5 Series" : "NA");
            break;
        case O_FLEX_RATIO:
            focus_gen_number(g, c, vm ? 2 : 1);
            break;
        case O_INSTANCE_ID: {
            char rg[96];
            focus_scope_resource_group(m, r.reservation % m->subscription_count, 0, rg, sizeof(rg));
            char sub[37], name[64];
            focus_scope_subscription(m, r.reservation % m->subscription_count, sub, name,
                                     sizeof(name));
            focus_gen_text(g, c, "/subscriptions/%s/resourcegroups/%s/providers/%s/%s-%s-%04u", sub,
                           rg, s->arm_type, s->name_prefix, r.region->id,
                           (r.reservation * 8 + r.instance) % 10000);
            break;
        }
        case O_KIND:
            focus_gen_const(g, c, "Reservation");
            break;
        case O_RESERVATION_ORDER_ID:
            focus_gen_copy(g, c, r.reservation_order);
            break;
        case O_RESERVATION_ID:
            focus_gen_copy(g, c, r.reservation_id);
            break;
        case O_RESERVED_HOURS:
            focus_gen_number(g, c, 24.0 * r.quantity);
            break;
        case O_SKU_NAME:
        case O_ARM_SKU:
            focus_gen_const(g, c, s->sku_name);
            break;
        case O_TOTAL_RESERVED:
        case O_QUANTITY:
        case O_RECOMMENDED:
            focus_gen_number(g, c, r.quantity);
            break;
        case O_RECOMMENDED_NORMALIZED:
            focus_gen_number(g, c, r.quantity * (vm ? 2 : 1));
            break;
        case O_USAGE_DATE:
        case O_EVENT_DATE:
            focus_gen_time(g, c, day);
            break;
        case O_FIRST_USAGE:
            focus_gen_time(g, c, g->month_start - (int64_t)(30 + r.reservation % 60) * DAY_MICROS);
            break;
        case O_USED_HOURS:
            focus_gen_number(g, c, r.used_hours);
            break;
        case O_LOCATION:
        case O_REGION:
            focus_gen_const(g, c, r.region->id);
            break;
        case O_COST_WITHOUT:
        case O_COST_WITH:
        case O_NET_SAVINGS: {
            double v = g->fields[i] == O_COST_WITHOUT ? r.cost_without
                       : g->fields[i] == O_COST_WITH  ? r.cost_with
                                                     : focus_round(r.cost_without - r.cost_with, 4);
            if (g->schema->columns[i].type == FOCUS_TYPE_DECIMAL) {
                focus_gen_number(g, c, v);
                break;
            }
            char text[48];
            focus_value number = {.number = v};
            focus_value_format(FOCUS_TYPE_DECIMAL, FOCUS_DATES_DEFAULT, &number, text,
                               sizeof(text));
            /* MCA holds compact JSON (the hub reads it with "value":([0-9.]+)); EA a number. */
            if (r.mca)
                focus_gen_text(g, c, "{\"currency\":\"%s\",\"value\":%s}", m->currency, text);
            else
                focus_gen_copy(g, c, text);
            break;
        }
        case O_LOOKBACK:
            focus_gen_const(g, c, r.lookback);
            break;
        case O_NORMALIZED_SIZE:
            focus_gen_const(g, c, vm ? "Standard_D2s_v5" : s->sku_name);
            break;
        case O_RESOURCE_TYPE:
            focus_gen_const(g, c, strrchr(s->arm_type, '/') + 1);
            break;
        case O_SCOPE:
            focus_gen_copy(g, c, r.shared ? "Shared" : "Single");
            break;
        case O_SUBSCRIPTION_ID:
            if (!r.shared)
                focus_gen_copy(g, c, r.subscription_id);
            break;
        case O_SKU_PROPERTIES:
            focus_gen_const(g, c,
                            vm ? "[{\"name\":\"Cores\",\"value\":\"4\"},{\"name\":\"MemoryGB\","
                                 "\"value\":\"16\"}]"
                               : "[]");
            break;
        case O_ACCOUNT_NAME:
            focus_gen_text(g, c, "%s IT", m->billing_account_name);
            break;
        case O_ACCOUNT_OWNER:
            focus_gen_const(g, c, "it-owner@contoso.example");
            break;
        case O_AMOUNT:
        case O_MONETARY_COMMITMENT:
            focus_gen_number(g, c, r.amount);
            break;
        case O_BILLING_FREQUENCY:
            focus_gen_const(g, c, r.price_type);
            break;
        case O_BILLING_MONTH:
            focus_gen_text(g, c, "%04d%02d01", g->options.year, g->options.month);
            break;
        case O_COST_CENTER:
            focus_gen_const(g, c, "CC-1001");
            break;
        case O_DEPARTMENT:
        case O_INVOICE_SECTION_NAME:
            focus_gen_const(g, c, m->invoice_section_name);
            break;
        case O_DESCRIPTION:
            focus_gen_text(g, c, "Reserved %s Instance, %s, %s, %s", vm ? "VM" : s->name,
                           s->sku_name, r.region->sku_region,
                           strcmp(r.term, "P3Y") == 0 ? "3 Years" : "1 Year");
            break;
        case O_EVENT_TYPE:
            focus_gen_const(g, c, r.event_type);
            break;
        case O_PURCHASING_SUBSCRIPTION:
            focus_gen_copy(g, c, r.subscription_id);
            break;
        case O_PURCHASING_SUBSCRIPTION_NAME:
            focus_gen_copy(g, c, r.subscription_name);
            break;
        case O_RESERVATION_ORDER_NAME:
            focus_gen_text(g, c, "VM_RI_%02d-%02d-%04d_%02u-%02u", g->options.month, r.day + 1,
                           g->options.year, r.reservation % 24, r.reservation * 7 % 60);
            break;
        case O_INVOICE:
            focus_gen_text(g, c, "G0%08u", (unsigned)(focus_mix(g->seed) % 100000000));
            break;
        case O_INVOICE_SECTION_ID:
            focus_gen_const(g, c, m->invoice_section_id);
            break;
        default:
            break;
        }
    }
    return FOCUS_OK;
}

focus_status focus_gen_setup_other(focus_generator *g, focus_error *error)
{
    for (size_t i = 0; i < g->schema->column_count; i++)
        g->fields[i] =
            focus_field_lookup(other_fields, sizeof(other_fields) / sizeof(other_fields[0]),
                               g->schema->columns[i].name);
    g->build_row = build_other_row;
    if (g->schema->dataset == FOCUS_DATASET_RESERVATION_TRANSACTIONS) {
        g->commitment_pool =
            (uint32_t)(g->options.rows < 4 ? g->options.rows : g->options.rows / 2);
        if (g->commitment_pool > g->resource_pool)
            g->commitment_pool = g->resource_pool;
        if (g->commitment_pool == 0)
            g->commitment_pool = 1;
    }
    if (g->schema->dataset != FOCUS_DATASET_RESERVATION_DETAILS)
        return FOCUS_OK;
    /* Enough reservations that every (reservation, instance, day) row is distinct. */
    uint64_t per_day = (g->options.rows + (uint64_t)g->data_days - 1) / (uint64_t)g->data_days;
    uint32_t limit = (uint32_t)(per_day + 1), count = 0;
    g->slot_prefix = malloc(((size_t)limit + 1) * sizeof(*g->slot_prefix));
    if (!g->slot_prefix)
        return focus_fail(error, FOCUS_NO_MEMORY, NULL, -1, -1, "no memory for %u reservations",
                          limit);
    g->slot_prefix[0] = 0;
    while (count < limit && g->slot_prefix[count] < per_day) {
        g->slot_prefix[count + 1] = g->slot_prefix[count] + reservation_quantity(g, count);
        count++;
    }
    g->commitment_pool = count;
    g->slot_count = g->slot_prefix[count];
    return FOCUS_OK;
}
