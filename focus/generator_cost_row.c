/* One FOCUS cost row: fills each column of the schema from the row's plan and names. Columns
 * the generator does not know stay null. */
#include "focus/generator_cost.h"

#include <stdio.h>
#include <string.h>

static focus_status build_cost_row(focus_generator *g, focus_error *error)
{
    (void)error;
    focus_rng rng = {focus_mix(g->seed ^ (g->row * UINT64_C(0x2545F4914F6CDD1D)))};
    cost_row r;
    cost_names n;
    focus_cost_plan_row(g, &rng, &r);
    focus_cost_name_row(g, &r, &n);
    const focus_service *s = r.service;
    const focus_scope_model *m = &g->scope;
    bool preview = strstr(g->schema->version, "preview") && g->schema->version[2] == '0';
    bool committed = r.commitment != COMMIT_NONE;
    bool reservation = r.commitment == COMMIT_RESERVATION;
    bool purchase = r.kind == ROW_PURCHASE || r.kind == ROW_REFUND;
    double usd = 1.0 / m->exchange_rate;
    for (size_t i = 0; i < g->schema->column_count; i++) {
        int c = (int)i;
        switch (g->fields[i]) {
        case F_AVAILABILITY_ZONE:
            if (r.zone && !purchase)
                focus_gen_text(g, c, "%d", r.zone);
            break;
        case F_BILLED_COST:
            focus_gen_number(g, c, r.billed_cost);
            break;
        case F_BILLING_ACCOUNT_ID:
            if (m->mca)
                focus_gen_text(g, c,
                               "/providers/Microsoft.Billing/billingAccounts/%s/billingProfiles/%s",
                               m->billing_account_id, m->billing_profile_id);
            else
                focus_gen_text(g, c, "/providers/Microsoft.Billing/billingAccounts/%s",
                               m->billing_account_id);
            break;
        case F_BILLING_ACCOUNT_NAME:
            focus_gen_const(g, c, m->mca ? m->billing_profile_name : m->billing_account_name);
            break;
        case F_BILLING_ACCOUNT_TYPE:
            focus_gen_const(g, c, m->mca ? "Billing Profile" : "Billing Account");
            break;
        case F_BILLING_CURRENCY:
        case F_PRICING_CURRENCY:
            focus_gen_const(g, c, m->currency);
            break;
        case F_BILLING_PERIOD_START:
        case X_EXCHANGE_RATE_DATE:
            focus_gen_time(g, c, g->month_start);
            break;
        case F_BILLING_PERIOD_END:
            focus_gen_time(g, c, g->month_end);
            break;
        case F_CHARGE_CATEGORY:
            focus_gen_const(g, c,
                            r.kind == ROW_CREDIT ? "Credit"
                            : purchase           ? "Purchase"
                                                 : "Usage");
            break;
        case F_CHARGE_CLASS:
            if (r.kind == ROW_REFUND)
                focus_gen_const(g, c, "Correction");
            break;
        case F_CHARGE_DESCRIPTION:
            if (r.kind == ROW_CREDIT)
                focus_gen_const(g, c, "Azure credit applied");
            else if (purchase)
                focus_gen_text(g, c, "%s, %s, %s, %s",
                               reservation ? "Reserved Instance" : "Savings Plan", s->sku_name,
                               r.region->sku_region, reservation ? "1 Year" : "3 Years");
            else if (r.kind == ROW_UNUSED)
                focus_gen_text(g, c, "Unused %s: %s", reservation ? "reservation" : "savings plan",
                               s->meter_name);
            else
                focus_gen_text(g, c, "%s %s, %s", s->meter_subcategory, s->meter_name,
                               r.region->sku_region);
            break;
        case F_CHARGE_FREQUENCY:
            focus_gen_const(g, c,
                            r.kind == ROW_CREDIT ? "One-Time"
                            : purchase           ? "Recurring"
                                                 : "Usage-Based");
            break;
        case F_CHARGE_PERIOD_START:
        case X_SERVICE_PERIOD_START:
            focus_gen_time(g, c, r.start);
            break;
        case F_CHARGE_PERIOD_END:
        case X_SERVICE_PERIOD_END:
            focus_gen_time(g, c, r.end);
            break;
        case F_CHARGE_SUBCATEGORY:
            focus_gen_const(g, c,
                            r.kind == ROW_CREDIT     ? "Credit"
                            : r.kind == ROW_REFUND   ? "Refund"
                            : r.kind == ROW_PURCHASE ? "Purchase"
                            : r.kind == ROW_UNUSED   ? "Unused Commitment"
                            : committed              ? "Used Commitment"
                                                     : "On-Demand");
            break;
        case F_CD_CATEGORY:
            if (committed)
                focus_gen_const(g, c, reservation ? "Usage" : "Spend");
            break;
        case F_CD_ID:
            if (committed)
                focus_gen_copy(g, c, n.commitment_id);
            break;
        case F_CD_NAME:
            if (committed)
                focus_gen_copy(g, c, n.commitment_name);
            break;
        case F_CD_STATUS:
            if (r.kind == ROW_COVERED || r.kind == ROW_UNUSED)
                focus_gen_copy(g, c, r.kind == ROW_UNUSED ? "Unused" : "Used");
            break;
        case F_CD_TYPE:
            if (committed)
                focus_gen_const(g, c, reservation ? "Reservation" : "Savings Plan");
            break;
        case F_CD_QUANTITY:
            if (committed && !purchase)
                focus_gen_number(g, c, r.pricing_quantity);
            break;
        case F_CD_UNIT:
            if (committed && !purchase)
                focus_gen_const(g, c, reservation ? s->consumed_unit : m->currency);
            break;
        case F_CONSUMED_QUANTITY:
        case F_USAGE_QUANTITY:
            if (!purchase && r.kind != ROW_CREDIT)
                focus_gen_number(g, c, r.consumed);
            break;
        case F_CONSUMED_UNIT:
        case F_USAGE_UNIT:
            if (!purchase && r.kind != ROW_CREDIT)
                focus_gen_const(g, c, s->consumed_unit);
            break;
        case F_CONTRACTED_COST:
        case X_ON_DEMAND_COST:
            focus_gen_number(g, c, r.contracted_cost);
            break;
        case F_CONTRACTED_UNIT_PRICE:
        case X_ON_DEMAND_UNIT_PRICE:
            focus_gen_number(g, c, r.contracted_price);
            break;
        case F_EFFECTIVE_COST:
            focus_gen_number(g, c, r.effective_cost);
            break;
        case F_INVOICE_ID:
            if (m->mca)
                focus_gen_text(g, c, "G0%08u", (unsigned)(focus_mix(g->seed) % 100000000));
            break;
        case F_INVOICE_ISSUER_NAME:
        case F_PROVIDER_NAME:
        case F_PUBLISHER_NAME:
            focus_gen_const(g, c, "Microsoft");
            break;
        case F_LIST_COST:
            focus_gen_number(g, c, r.list_cost);
            break;
        case F_LIST_UNIT_PRICE:
            focus_gen_number(g, c, r.list_price);
            break;
        case F_PRICING_CATEGORY:
            if (r.kind != ROW_CREDIT)
                focus_gen_const(g, c,
                                committed ? (preview ? "Commitment-Based" : "Committed")
                                          : (preview ? "On-Demand" : "Standard"));
            break;
        case X_PRICING_SUBCATEGORY:
            if (r.kind != ROW_CREDIT)
                focus_gen_const(g, c,
                                !committed    ? "Standard"
                                : reservation ? "Committed Usage"
                                              : "Committed Spend");
            break;
        case F_PRICING_QUANTITY:
            focus_gen_number(g, c, r.pricing_quantity);
            break;
        case F_PRICING_UNIT:
            focus_gen_const(g, c, purchase ? "Units" : s->consumed_unit);
            break;
        case F_REGION:
        case F_REGION_NAME:
            focus_gen_const(g, c, r.region->name);
            break;
        case F_REGION_ID:
            focus_gen_const(g, c, r.region->id);
            break;
        case F_RESOURCE_ID:
            if (r.kind != ROW_CREDIT)
                focus_gen_copy(g, c, n.resource_id);
            break;
        case F_RESOURCE_NAME:
            if (r.kind != ROW_CREDIT)
                focus_gen_copy(g, c, n.resource_name);
            break;
        case F_RESOURCE_TYPE:
            if (r.kind != ROW_CREDIT)
                focus_gen_const(g, c,
                                !committed || r.kind == ROW_COVERED ? s->type_display
                                : reservation                       ? "Reservation"
                                                                    : "Savings plan");
            break;
        case X_RESOURCE_TYPE:
            if (r.kind != ROW_CREDIT)
                focus_gen_const(g, c,
                                !committed || r.kind == ROW_COVERED ? s->arm_type
                                : reservation
                                    ? "microsoft.capacity/reservationorders/reservations"
                                    : "microsoft.billingbenefits/savingsplanorders/savingsplans");
            break;
        case F_SERVICE_CATEGORY:
            focus_gen_const(g, c, s->category);
            break;
        case F_SERVICE_NAME:
            focus_gen_const(g, c, s->name);
            break;
        case F_SERVICE_SUBCATEGORY:
            focus_gen_const(g, c, s->subcategory);
            break;
        case F_SKU_ID:
            focus_gen_copy(g, c, n.sku_id);
            break;
        case F_SKU_PRICE_ID:
            focus_gen_text(g, c, "%s/%04X", n.sku_id,
                           (unsigned)(r.region - focus_regions) * 16 + 0x00F8);
            break;
        case F_SKU_METER:
        case X_SKU_METER_NAME:
            if (!purchase)
                focus_gen_const(g, c, s->meter_name);
            break;
        case X_SKU_METER_CATEGORY:
            focus_gen_const(g, c, s->meter_category);
            break;
        case X_SKU_METER_SUBCATEGORY:
            focus_gen_const(g, c, s->meter_subcategory);
            break;
        case X_SKU_METER_ID:
            focus_gen_copy(g, c, n.meter_id);
            break;
        case F_SKU_PRICE_DETAILS:
        case X_SKU_DETAILS:
            if (reservation || r.zone)
                focus_gen_text(g, c, "{\"ServiceType\":\"%s\",\"VCPUs\":4}", s->sku_name);
            else if (r.kind == ROW_USAGE)
                focus_gen_text(g, c, "{\"ServiceType\":\"%s\"}", s->sku_name);
            break;
        case F_SUB_ACCOUNT_ID:
            focus_gen_text(g, c, "/subscriptions/%s", n.subscription);
            break;
        case F_SUB_ACCOUNT_NAME:
            focus_gen_copy(g, c, n.subscription_name);
            break;
        case F_SUB_ACCOUNT_TYPE:
            focus_gen_const(g, c, "Subscription");
            break;
        case F_TAGS:
            if (!purchase && r.kind != ROW_UNUSED)
                focus_gen_const(g, c, focus_cost_tag_sets[r.tag_set]);
            break;
        case X_COST_CENTER:
            if (!purchase && r.kind != ROW_UNUSED)
                focus_gen_const(g, c, focus_cost_centers[r.tag_set]);
            break;
        case X_ACCOUNT_ID:
            if (!m->mca)
                focus_gen_copy(g, c, n.account_id);
            break;
        case X_ACCOUNT_NAME:
            if (!m->mca)
                focus_gen_text(g, c, "%s enrollment account", n.subscription_name);
            break;
        case X_ACCOUNT_OWNER_ID:
            if (!m->mca)
                focus_gen_const(g, c, "finops-owner@contoso.example");
            break;
        case X_AMORTIZATION_CLASS:
            if (purchase && reservation)
                focus_gen_const(g, c, "Principal");
            else if (r.kind == ROW_COVERED || r.kind == ROW_UNUSED)
                focus_gen_const(g, c, "Amortized Charge");
            break;
        case X_BILLED_COST_USD:
            focus_gen_number(g, c, focus_round(r.billed_cost * usd, 10));
            break;
        case X_CONTRACTED_COST_USD:
        case X_ON_DEMAND_COST_USD:
            focus_gen_number(g, c, focus_round(r.contracted_cost * usd, 10));
            break;
        case X_EFFECTIVE_COST_USD:
            focus_gen_number(g, c, focus_round(r.effective_cost * usd, 10));
            break;
        case X_LIST_COST_USD:
            focus_gen_number(g, c, focus_round(r.list_cost * usd, 10));
            break;
        case X_BILLED_UNIT_PRICE:
            focus_gen_number(g, c, r.billed_price);
            break;
        case X_EFFECTIVE_UNIT_PRICE:
            focus_gen_number(g, c, r.effective_price);
            break;
        case X_BILLING_ACCOUNT_ID:
            focus_gen_const(g, c, m->billing_account_id);
            break;
        case X_BILLING_ACCOUNT_NAME:
            focus_gen_const(g, c, m->billing_account_name);
            break;
        case X_EXCHANGE_RATE:
            focus_gen_number(g, c, 1.0);
            break;
        case X_BILLING_PROFILE_ID:
            focus_gen_const(g, c, m->mca ? m->billing_profile_id : m->billing_account_id);
            break;
        case X_BILLING_PROFILE_NAME:
            focus_gen_const(g, c, m->mca ? m->billing_profile_name : m->billing_account_name);
            break;
        case X_CHARGE_ID: {
            char id[37];
            focus_guid(g->seed, 70, g->row, id);
            focus_gen_copy(g, c, id);
            break;
        }
        case X_INVOICE_SECTION_ID:
            focus_gen_const(g, c, m->invoice_section_id);
            break;
        case X_INVOICE_SECTION_NAME:
            focus_gen_const(g, c, m->invoice_section_name);
            break;
        case X_PRICING_BLOCK_SIZE:
            focus_gen_number(g, c, purchase ? 1 : s->block_size);
            break;
        case X_PRICING_UNIT_DESCRIPTION:
            focus_gen_const(g, c, purchase ? "1 Unit" : s->pricing_unit);
            break;
        case X_PUBLISHER_CATEGORY:
            focus_gen_const(g, c, "Cloud Provider");
            break;
        case X_RESOURCE_GROUP_NAME:
            if (!purchase && r.kind != ROW_UNUSED && r.kind != ROW_CREDIT)
                focus_gen_copy(g, c, n.resource_group);
            break;
        case X_SERVICE_MODEL:
            focus_gen_const(g, c, s->model);
            break;
        case X_SKU_DESCRIPTION:
            focus_gen_text(g, c, "%s %s", s->meter_subcategory, s->meter_name);
            break;
        case X_SKU_CREDIT_ELIGIBLE:
            focus_gen_bool(g, c, !purchase);
            break;
        case X_SKU_OFFER_ID:
            if (!m->mca)
                focus_gen_const(g, c, "MS-AZR-0017P");
            break;
        case X_SKU_ORDER_ID:
            if (m->mca)
                focus_gen_text(g, c, "%.8s-0000-0000-0000-000000000000", n.subscription);
            break;
        case X_SKU_ORDER_NAME:
            if (m->mca)
                focus_gen_const(g, c, "Azure plan");
            break;
        case X_SKU_PART_NUMBER:
            if (!m->mca)
                focus_gen_text(g, c, "AAH-%05u",
                               (unsigned)(focus_mix(n.meter_id[0] + n.meter_id[1] * 256) % 100000));
            break;
        case X_SKU_REGION:
            focus_gen_const(g, c, r.region->sku_region);
            break;
        case X_SKU_SERVICE_FAMILY:
            focus_gen_const(g, c, s->service_family);
            break;
        case X_SKU_TERM:
            if (committed)
                focus_gen_const(g, c, reservation ? "12" : "36");
            break;
        case L_BILLING_PERIOD_LAST_DAY: /* legacy end dates are inclusive */
            focus_gen_time(g, c, g->month_end - INT64_C(86400000000));
            break;
        case L_SUBSCRIPTION_GUID:
            focus_gen_copy(g, c, n.subscription);
            break;
        case L_PRODUCT:
            focus_gen_text(g, c, "%s %s - %s - %s", s->meter_category, s->meter_subcategory,
                           s->meter_name, r.region->sku_region);
            break;
        case L_COST: /* actual cost is what is billed; amortized spreads commitments */
            focus_gen_number(g, c,
                             strcmp(g->schema->dataset_name, "AmortizedCost") == 0
                                 ? r.effective_cost
                                 : r.billed_cost);
            break;
        case L_CONSUMED_SERVICE: {
            const char *slash = strchr(s->arm_type, '/');
            focus_gen_text(g, c, "%.*s", (int)(slash - s->arm_type), s->arm_type);
            break;
        }
        case L_RESERVATION_ID:
            if (reservation)
                focus_gen_copy(g, c, n.commitment_id);
            break;
        case L_RESERVATION_NAME:
            if (reservation)
                focus_gen_copy(g, c, n.commitment_name);
            break;
        case L_CHARGE_TYPE:
            focus_gen_const(g, c,
                            r.kind == ROW_CREDIT     ? "Adjustment"
                            : r.kind == ROW_REFUND   ? "Refund"
                            : r.kind == ROW_PURCHASE ? "Purchase"
                            : r.kind == ROW_UNUSED
                                ? (reservation ? "UnusedReservation" : "UnusedSavingsPlan")
                                : "Usage");
            break;
        case L_FREQUENCY:
            focus_gen_const(g, c,
                            r.kind == ROW_CREDIT ? "OneTime"
                            : purchase           ? "Recurring"
                                                 : "UsageBased");
            break;
        case L_PUBLISHER_TYPE:
            focus_gen_const(g, c, "Azure");
            break;
        case L_TERM_MONTHS:
            if (committed)
                focus_gen_const(g, c, reservation ? "12" : "36");
            break;
        default:
            break; /* unknown to the generator: null */
        }
    }
    return FOCUS_OK;
}

focus_status focus_gen_setup_cost(focus_generator *g, focus_error *error)
{
    (void)error;
    for (size_t i = 0; i < g->schema->column_count; i++)
        g->fields[i] = focus_cost_field(g->schema, g->schema->columns[i].name);
    g->build_row = build_cost_row;
    return FOCUS_OK;
}
