/* What synthetic rows are made of: a catalog of Azure services and regions with realistic
 * meters and list prices, and the model of a scope (billing account, subscriptions, RGs). */
#include "focus/generator_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* name, category, subcategory (FOCUS 1.2), ARM type, type display, meter category, meter
 * subcategory, meter name, consumed unit, pricing unit, service family, service model, resource
 * name prefix, SKU name; block size, list price per pricing unit (USD), typical daily quantity,
 * commitment discount kind, weight. */
const focus_service focus_services[] = {
    {"Virtual Machines", "Compute", "Virtual Machines", "microsoft.compute/virtualmachines",
     "Virtual machine", "Virtual Machines", "Dsv5 Series", "D4s v5", "Hours", "1 Hour", "Compute",
     "IaaS", "vm", "Standard_D4s_v5", 1, 0.192, 24, COMMIT_RESERVATION, 30},
    {"Virtual Machines", "Compute", "Virtual Machines", "microsoft.compute/virtualmachines",
     "Virtual machine", "Virtual Machines", "BS Series", "B2ms", "Hours", "1 Hour", "Compute",
     "IaaS", "vm", "Standard_B2ms", 1, 0.0832, 24, COMMIT_SAVINGS_PLAN, 12},
    {"Storage Accounts", "Storage", "Object Storage", "microsoft.storage/storageaccounts",
     "Storage account", "Storage", "Tiered Block Blob", "Hot LRS Data Stored", "GB/Month",
     "1 GB/Month", "Storage", "PaaS", "st", "Standard_LRS", 1, 0.0208, 40, COMMIT_NONE, 14},
    {"Managed Disks", "Storage", "Block Storage", "microsoft.compute/disks", "Disk", "Storage",
     "Premium SSD Managed Disks", "P10 LRS Disk", "Disks/Month", "1/Month", "Storage", "IaaS",
     "disk", "Premium_LRS", 1, 19.71, 0.0333, COMMIT_NONE, 8},
    {"Azure SQL Database", "Databases", "Relational Databases", "microsoft.sql/servers/databases",
     "SQL database", "SQL Database", "General Purpose - Compute Gen5", "vCore", "Hours", "1 Hour",
     "Databases", "PaaS", "sqldb", "GP_Gen5_2", 1, 0.5044, 48, COMMIT_RESERVATION, 6},
    {"Azure Kubernetes Service", "Compute", "Containers",
     "microsoft.containerservice/managedclusters", "Kubernetes service", "Azure Kubernetes Service",
     "Standard", "Standard Uptime SLA", "Hours", "1 Hour", "Compute", "PaaS", "aks", "Standard", 1,
     0.1, 24, COMMIT_NONE, 3},
    {"Azure App Service", "Web", "Web", "microsoft.web/serverfarms", "App Service plan",
     "Azure App Service", "Premium v3 Plan", "P1 v3 App", "Hours", "1 Hour", "Compute", "PaaS",
     "asp", "P1v3", 1, 0.225, 24, COMMIT_SAVINGS_PLAN, 5},
    {"Azure Cosmos DB", "Databases", "NoSQL Databases", "microsoft.documentdb/databaseaccounts",
     "Azure Cosmos DB account", "Azure Cosmos DB", "Azure Cosmos DB", "100 RU/s", "RU/s Hours",
     "100 Hours", "Databases", "PaaS", "cosmos", "Standard", 100, 0.008, 9600, COMMIT_RESERVATION,
     3},
    {"Virtual Network", "Networking", "Network Infrastructure",
     "microsoft.network/publicipaddresses", "Public IP address", "Virtual Network", "IP Addresses",
     "Standard IPv4 Static Public IP", "Hours", "1 Hour", "Networking", "IaaS", "pip", "Standard",
     1, 0.005, 24, COMMIT_NONE, 5},
    {"Load Balancer", "Networking", "Load Balancing", "microsoft.network/loadbalancers",
     "Load balancer", "Load Balancer", "Standard", "Standard Data Processed", "GB", "1 GB",
     "Networking", "PaaS", "lb", "Standard", 1, 0.005, 120, COMMIT_NONE, 2},
    {"Log Analytics", "Management and Governance", "Observability",
     "microsoft.operationalinsights/workspaces", "Log Analytics workspace", "Log Analytics",
     "Analytics Logs", "Pay-as-you-go Data Ingestion", "GB", "1 GB", "Management and Governance",
     "SaaS", "log", "PerGB2018", 1, 2.76, 3, COMMIT_NONE, 4},
    {"Key Vault", "Security", "Secret Management", "microsoft.keyvault/vaults", "Key vault",
     "Key Vault", "Standard", "Operations", "Operations", "10K", "Security", "PaaS", "kv",
     "standard", 10000, 0.03, 40000, COMMIT_NONE, 2},
    {"Azure Data Factory v2", "Analytics", "Data Processing", "microsoft.datafactory/factories",
     "Data factory (V2)", "Azure Data Factory v2", "Data Flow", "General Purpose Data Flow",
     "vCore Hours", "1 Hour", "Analytics", "PaaS", "adf", "Standard", 1, 0.274, 16, COMMIT_NONE, 2},
    {"Azure Cache for Redis", "Databases", "Caching", "microsoft.cache/redis",
     "Azure Cache for Redis", "Redis Cache", "Standard", "C1 Cache Instance", "Hours", "1 Hour",
     "Databases", "PaaS", "redis", "Standard_C1", 1, 0.1, 24, COMMIT_RESERVATION, 2},
    {"Event Hubs", "Integration", "Messaging", "microsoft.eventhub/namespaces",
     "Event Hubs Namespace", "Event Hubs", "Standard", "Standard Throughput Unit", "Hours",
     "1 Hour", "Integration", "PaaS", "evh", "Standard", 1, 0.03, 48, COMMIT_NONE, 1},
    {"Azure Data Explorer", "Analytics", "Analytics Platforms", "microsoft.kusto/clusters",
     "Azure Data Explorer Cluster", "Azure Data Explorer", "Standard", "Standard Markup",
     "vCore Hours", "1 Hour", "Analytics", "PaaS", "adx", "Standard_E8ads_v5", 1, 0.11, 192,
     COMMIT_RESERVATION, 1},
};
const size_t focus_service_count = sizeof(focus_services) / sizeof(focus_services[0]);

const focus_region focus_regions[] = {
    {"eastus", "East US", "US East", 1.0},
    {"eastus2", "East US 2", "US East 2", 1.0},
    {"westus2", "West US 2", "US West 2", 1.0},
    {"centralus", "Central US", "US Central", 1.05},
    {"westeurope", "West Europe", "EU West", 1.12},
    {"northeurope", "North Europe", "EU North", 1.08},
    {"uksouth", "UK South", "UK South", 1.1},
    {"southeastasia", "Southeast Asia", "AP Southeast", 1.15},
    {"japaneast", "Japan East", "JA East", 1.2},
    {"australiaeast", "Australia East", "AU East", 1.22},
};
const size_t focus_region_count = sizeof(focus_regions) / sizeof(focus_regions[0]);

const char *const focus_resource_group_names[] = {
    "rg-web",       "rg-data",     "rg-shared", "rg-aks",  "rg-network", "rg-monitoring",
    "rg-analytics", "rg-identity", "rg-dev",    "rg-test", "rg-prod",    "rg-finops-hub",
};
const size_t focus_resource_group_name_count =
    sizeof(focus_resource_group_names) / sizeof(focus_resource_group_names[0]);

const char *const focus_team_names[] = {"Platform", "Engineering", "Data",    "Marketing",
                                        "Finance",  "Security",    "Research"};
const size_t focus_team_name_count = sizeof(focus_team_names) / sizeof(focus_team_names[0]);

const focus_service *focus_service_pick(focus_rng *rng)
{
    int total = 0;
    for (size_t i = 0; i < focus_service_count; i++)
        total += focus_services[i].weight;
    int pick = (int)focus_rng_below(rng, (uint32_t)total);
    for (size_t i = 0; i < focus_service_count; i++) {
        pick -= focus_services[i].weight;
        if (pick < 0)
            return &focus_services[i];
    }
    return &focus_services[0];
}

uint64_t focus_hash_text(uint64_t seed, const char *text)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        h ^= (uint64_t)tolower(*p);
        h *= UINT64_C(0x100000001b3);
    }
    return focus_mix(h);
}

void focus_guid(uint64_t seed, uint64_t salt, uint64_t index, char out[37])
{
    uint64_t a = focus_mix(seed ^ focus_mix(salt * 31 + index));
    uint64_t b = focus_mix(a ^ index);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & UINT64_C(0xffffffffffff)));
}

void focus_product_id(uint64_t key, char out[13])
{
    static const char alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXZ";
    uint64_t h = focus_mix(key + 1);
    for (int i = 0; i < 12; i++, h /= 30)
        out[i] = alphabet[h % 30];
    out[12] = '\0';
}

double focus_round(double value, int decimals)
{
    static const double scales[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
    double scale = decimals >= 0 && decimals <= 10 ? scales[decimals] : pow(10.0, decimals);
    return round(value * scale) / scale;
}

/* Copies the path segment after `key/` (case-insensitive) into out. */
static bool scope_segment(const char *scope, const char *key, char *out, size_t capacity)
{
    size_t key_length = strlen(key);
    for (const char *p = scope; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == key_length && strncasecmp(p, key, n) == 0 && p[n] == '/') {
            const char *value = p + n + 1;
            size_t m = strcspn(value, "/");
            if (m == 0)
                return false;
            if (m >= capacity)
                m = capacity - 1;
            memcpy(out, value, m);
            out[m] = '\0';
            return true;
        }
        p += n;
    }
    return false;
}

void focus_scope_model_build(const char *scope, uint64_t seed, focus_scope_model *out)
{
    memset(out, 0, sizeof(*out));
    out->seed = focus_hash_text(seed, scope);
    focus_rng rng = {out->seed};
    char account[128] = "", guid[37];
    bool billing = scope_segment(scope, "billingAccounts", account, sizeof(account));
    /* EA enrollments are numbers; MCA/MPA billing accounts are "<guid>:<guid>_<date>". */
    out->mca = billing && (strchr(account, ':') || strchr(account, '_'));
    if (!billing) {
        snprintf(account, sizeof(account), "%08u", 10000000u + focus_rng_below(&rng, 89999999u));
        out->mca = focus_rng_below(&rng, 3) == 0;
        if (out->mca) {
            char a[37], b[37];
            focus_guid(out->seed, 1, 0, a);
            focus_guid(out->seed, 1, 1, b);
            snprintf(account, sizeof(account), "%s:%s_2019-05-31", a, b);
        }
    }
    snprintf(out->billing_account_id, sizeof(out->billing_account_id), "%s", account);
    /* EA-shaped files need an enrollment number even when asked for under an MCA scope. */
    if (out->mca)
        snprintf(out->enrollment, sizeof(out->enrollment), "%08u",
                 10000000u + (unsigned)(out->seed % 89999999u));
    else
        snprintf(out->enrollment, sizeof(out->enrollment), "%.15s", account);
    static const char *const companies[] = {"Contoso Ltd",   "Fabrikam Inc",   "Northwind Traders",
                                            "Tailspin Toys", "Woodgrove Bank", "Adventure Works"};
    snprintf(out->billing_account_name, sizeof(out->billing_account_name), "%s",
             companies[focus_rng_below(&rng, 6)]);
    if (!scope_segment(scope, "billingProfiles", out->billing_profile_id,
                       sizeof(out->billing_profile_id))) {
        snprintf(out->billing_profile_id, sizeof(out->billing_profile_id), "%04X-%04X-%03X-%03X",
                 focus_rng_below(&rng, 0xffff), focus_rng_below(&rng, 0xffff),
                 focus_rng_below(&rng, 0xfff), focus_rng_below(&rng, 0xfff));
    }
    snprintf(out->billing_profile_name, sizeof(out->billing_profile_name), "%s billing",
             out->billing_account_name);
    snprintf(out->invoice_section_id, sizeof(out->invoice_section_id), "%04X-%04X-PJA-%03X",
             focus_rng_below(&rng, 0xffff), focus_rng_below(&rng, 0xffff),
             focus_rng_below(&rng, 0xfff));
    snprintf(out->invoice_section_name, sizeof(out->invoice_section_name), "%s",
             focus_team_names[focus_rng_below(&rng, (uint32_t)focus_team_name_count)]);
    if (scope_segment(scope, "subscriptions", guid, sizeof(guid))) {
        /* guid holds 36 characters: a subscription id, as in the scope. */
        for (char *c = guid; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        snprintf(out->fixed_subscription, sizeof(out->fixed_subscription), "%s", guid);
        out->subscription_count = 1;
    } else {
        out->subscription_count = 3 + focus_rng_below(&rng, 10);
    }
    if (scope_segment(scope, "resourceGroups", out->fixed_resource_group,
                      sizeof(out->fixed_resource_group)))
        out->resource_groups_per_subscription = 1;
    else
        out->resource_groups_per_subscription = 4 + focus_rng_below(&rng, 6);
    bool euro = out->mca && focus_rng_below(&rng, 2) == 0;
    out->currency = euro ? "EUR" : "USD";
    out->exchange_rate = euro ? 0.9213 : 1.0;
    out->negotiated_discount = focus_round(0.02 + 0.13 * focus_rng_unit(&rng), 2);
}

void focus_scope_subscription(const focus_scope_model *model, uint32_t index, char out_id[37],
                              char *out_name, size_t name_capacity)
{
    static const char *const kinds[] = {"prod", "dev", "test", "shared", "sandbox", "data"};
    if (model->fixed_subscription[0])
        snprintf(out_id, 37, "%s", model->fixed_subscription);
    else
        focus_guid(model->seed, 2, index, out_id);
    uint64_t h = focus_mix(model->seed ^ (index + 7));
    snprintf(out_name, name_capacity, "%s-%s-%02u", focus_team_names[h % focus_team_name_count],
             kinds[(h >> 8) % 6], index + 1);
    for (char *c = out_name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
}

void focus_scope_resource_group(const focus_scope_model *model, uint32_t sub, uint32_t index,
                                char *out, size_t capacity)
{
    if (model->fixed_resource_group[0]) {
        snprintf(out, capacity, "%s", model->fixed_resource_group);
        return;
    }
    uint64_t h = focus_mix(model->seed ^ ((uint64_t)sub << 20) ^ index);
    snprintf(out, capacity, "%s-%02u",
             focus_resource_group_names[(h + index) % focus_resource_group_name_count], index + 1);
}
