/* Internals of the synthetic data generator: the deterministic random source, the model of
 * the export scope (billing account, subscriptions, resource groups) and the service catalog. */
#ifndef HUBAGENT_FOCUS_GENERATOR_INT_H
#define HUBAGENT_FOCUS_GENERATOR_INT_H

#include "focus/focus_int.h"

/* splitmix64: tiny, fast, and the same on every platform, so same seed → same bytes. */
static inline uint64_t focus_mix(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

typedef struct focus_rng {
    uint64_t state;
} focus_rng;

static inline uint64_t focus_rng_next(focus_rng *rng)
{
    rng->state += UINT64_C(0x9E3779B97F4A7C15);
    uint64_t x = rng->state;
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* Uniform in [0, 1). */
static inline double focus_rng_unit(focus_rng *rng)
{
    return (double)(focus_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint32_t focus_rng_below(focus_rng *rng, uint32_t n)
{
    return n ? (uint32_t)(focus_rng_next(rng) % n) : 0;
}

uint64_t focus_hash_text(uint64_t seed, const char *text);
/* A lowercase GUID derived from (seed, salt, index). */
void focus_guid(uint64_t seed, uint64_t salt, uint64_t index, char out[37]);
/* A 12-character product id (like "DZH318Z0BQ4V") derived from key. */
void focus_product_id(uint64_t key, char out[13]);
/* Rounds to `decimals` places so text and binary forms agree. */
double focus_round(double value, int decimals);

typedef enum commitment_kind {
    COMMIT_NONE = 0,
    COMMIT_RESERVATION,
    COMMIT_SAVINGS_PLAN
} commitment_kind;

typedef struct focus_service {
    const char *name, *category, *subcategory, *arm_type, *type_display, *meter_category,
        *meter_subcategory, *meter_name, *consumed_unit, *pricing_unit, *service_family, *model,
        *name_prefix, *sku_name;
    double block_size, list_price, typical_quantity;
    commitment_kind commitment;
    int weight;
} focus_service;

typedef struct focus_region {
    const char *id, *name, *sku_region;
    double price_factor;
} focus_region;

extern const focus_service focus_services[];
extern const size_t focus_service_count;
extern const focus_region focus_regions[];
extern const size_t focus_region_count;
extern const char *const focus_resource_group_names[];
extern const size_t focus_resource_group_name_count;
extern const char *const focus_team_names[];
extern const size_t focus_team_name_count;

const focus_service *focus_service_pick(focus_rng *rng);

/* What the scope says about the billing account and what sits under it. */
typedef struct focus_scope_model {
    uint64_t seed;
    bool mca;
    char billing_account_id[160];
    char billing_account_name[64];
    char billing_profile_id[64];
    char billing_profile_name[96];
    char invoice_section_id[64];
    char invoice_section_name[64];
    char enrollment[16];
    char fixed_subscription[37]; /* set when the scope is a subscription or RG */
    char fixed_resource_group[96];
    uint32_t subscription_count;
    uint32_t resource_groups_per_subscription;
    const char *currency;
    double exchange_rate; /* USD → billing currency */
    double negotiated_discount;
} focus_scope_model;

void focus_scope_model_build(const char *scope, uint64_t seed, focus_scope_model *out);
void focus_scope_subscription(const focus_scope_model *model, uint32_t index, char out_id[37],
                              char *out_name, size_t name_capacity);
void focus_scope_resource_group(const focus_scope_model *model, uint32_t sub, uint32_t index,
                                char *out, size_t capacity);

/* Generator state shared by the per-dataset row builders. */
struct focus_generator {
    focus_generator_options options;
    const focus_schema *schema;
    focus_scope_model scope;
    uint64_t seed;
    uint64_t row;
    int64_t month_start, month_end; /* µs */
    int days;                       /* in the month */
    int data_days;                  /* days that have data (through_day, else the month) */
    int *fields;                    /* per column: the builder's field id, -1 if unknown (null) */
    focus_value *values;
    char *arena;
    size_t arena_used, arena_capacity;
    uint32_t resource_pool;
    uint32_t commitment_pool;
    uint32_t *slot_prefix; /* reservation details: cumulative instances per reservation */
    uint32_t slot_count;
    focus_status (*build_row)(struct focus_generator *g, focus_error *error);
};

/* Row text lives in the arena until the next row. */
void focus_gen_text(focus_generator *g, int column, const char *format, ...) FOCUS_PRINTF(3, 4);
/* `text` must outlive the row (static or in the generator); focus_gen_copy copies it. */
void focus_gen_const(focus_generator *g, int column, const char *text);
void focus_gen_copy(focus_generator *g, int column, const char *text);
void focus_gen_number(focus_generator *g, int column, double value);
void focus_gen_time(focus_generator *g, int column, int64_t micros);
void focus_gen_bool(focus_generator *g, int column, bool value);

/* Field-id tables: each dataset family knows its columns by name. */
typedef struct focus_field_name {
    const char *name;
    int field;
} focus_field_name;

int focus_field_lookup(const focus_field_name *table, size_t count, const char *name);

focus_status focus_gen_setup_cost(focus_generator *g, focus_error *error);
focus_status focus_gen_setup_other(focus_generator *g, focus_error *error);

#endif
