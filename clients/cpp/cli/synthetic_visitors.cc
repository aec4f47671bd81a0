// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/synthetic_visitors.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/hashing.h"

namespace cxlab::cli {
namespace {

// Draw slots: each attribute hashes the id with its own salt.
enum Slot {
  kCountry,
  kPlatform,
  kDeviceType,
  kBrowser,
  kAppVersion,
  kDeviceId,
  kVisits,
  kLastVisit,
  kHasAccount,
  kCustomerId,
  kAge,
  kChildren,
  kRunning,
  kInterestCount,
  kInterestPick,
  kLastCategory,
  kOrders,
  kCoupons,
  kDiscount,
  kCartItems,
  kCartValue,
  kNewsletter,
  kUtm,
  kNumSlots,
};

struct Weighted {
  const char* value;
  double weight;  // relative; a table need not sum to 1
};

// The entry of `table` that the draw `u` in [0, 1) falls on.
template <size_t N>
const char* Pick(double u, const Weighted (&table)[N]) {
  double total = 0;
  for (const Weighted& w : table) total += w.weight;
  double x = u * total;
  for (const Weighted& w : table) {
    if (x < w.weight) return w.value;
    x -= w.weight;
  }
  return table[N - 1].value;
}

constexpr Weighted kCountries[] = {
    {"DE", 30}, {"US", 16}, {"FR", 10}, {"GB", 9}, {"NL", 7}, {"AT", 6},
    {"CH", 5},  {"ES", 5},  {"IT", 5},  {"SE", 3}, {"PL", 3}, {"CA", 1},
};

constexpr Weighted kPlatforms[] = {{"web", 72}, {"ios", 14}, {"android", 14}};

constexpr Weighted kWebDeviceTypes[] = {
    {"mobile", 50}, {"desktop", 43}, {"tablet", 7}};

constexpr Weighted kAppVersions[] = {
    {"3.9.2", 10}, {"4.0.1", 15}, {"4.1.0", 20},
    {"4.2.0", 25}, {"4.2.3", 25}, {"4.3.0-beta.1", 5},
};

constexpr Weighted kCategories[] = {
    {"running_shoes", 18},   {"running_apparel", 10},
    {"gps_watches", 6},      {"hiking_boots", 14},
    {"outdoor_apparel", 14}, {"cycling", 10},
    {"swimwear", 6},         {"kids", 12},
    {"fitness", 10},
};

constexpr Weighted kUtmSources[] = {{"direct", 35},     {"google", 30},
                                    {"newsletter", 10}, {"facebook", 9},
                                    {"instagram", 8},   {"partner", 8}};

// Interests besides "running", which has its own draw (runners persona).
constexpr const char* kOtherInterests[] = {
    "hiking", "cycling", "yoga",   "swimming", "camping",
    "tennis", "fitness", "skiing", "football", "climbing"};
constexpr int kNumOtherInterests =
    sizeof(kOtherInterests) / sizeof(kOtherInterests[0]);

const char* LanguageOf(absl::string_view country) {
  if (country == "DE" || country == "AT" || country == "CH") return "de";
  if (country == "FR") return "fr";
  if (country == "ES") return "es";
  if (country == "IT") return "it";
  if (country == "NL") return "nl";
  if (country == "SE") return "sv";
  if (country == "PL") return "pl";
  return "en";
}

struct Client {
  const char* type;
  const char* os;
  const char* browser;
  std::string user_agent;
};

// Device type, OS, browser and user agent, consistent with the platform.
Client ClientOf(absl::string_view platform, double type_draw,
                double browser_draw, absl::string_view app_version) {
  if (platform == "ios") {
    return {"mobile", "ios", "app",
            absl::StrCat("SportShop/", app_version,
                         " (iPhone; iOS 17.4; Scale/3.00)")};
  }
  if (platform == "android") {
    return {"mobile", "android", "app",
            absl::StrCat("SportShop/", app_version,
                         " (Linux; Android 14; Pixel 8)")};
  }
  const char* type = Pick(type_draw, kWebDeviceTypes);
  const absl::string_view t = type;
  if (t == "mobile") {
    if (browser_draw < 0.52) {
      return {type, "android", "chrome",
              "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"};
    }
    return {type, "ios", "safari",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
            "Mobile/15E148 Safari/604.1"};
  }
  if (t == "tablet") {
    return {type, "ipados", "safari",
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
            "Mobile/15E148 Safari/604.1"};
  }
  if (browser_draw < 0.62) {
    return {type, "windows", "chrome",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"};
  }
  if (browser_draw < 0.80) {
    return {type, "macos", "safari",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
            "Safari/605.1.15"};
  }
  if (browser_draw < 0.92) {
    return {type, "windows", "edge",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 "
            "Edg/124.0.0.0"};
  }
  return {type, "linux", "firefox",
          "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
          "Firefox/125.0"};
}

// An integer in [lo, hi] from `u`, skewed towards lo by `power` (> 1).
int Skewed(double u, int lo, int hi, double power) {
  int v = lo + static_cast<int>((hi - lo + 1) * std::pow(u, power));
  return std::min(v, hi);
}

}  // namespace

SyntheticVisitors::SyntheticVisitors() {
  seeds_.reserve(kNumSlots);
  for (int slot = 0; slot < kNumSlots; ++slot) {
    seeds_.push_back(
        engine::SeedForSalt(absl::StrCat("cxlab.simulate.attribute.", slot)));
  }
}

double SyntheticVisitors::Draw(int slot, absl::string_view visitor_id) const {
  return engine::HashPosition(seeds_[slot], visitor_id);
}

engine::Value SyntheticVisitors::Attributes(
    absl::string_view visitor_id) const {
  using engine::Value;
  const auto draw = [&](Slot slot) { return Draw(slot, visitor_id); };
  Value a = Value::Object();
  a.Set("id", Value(visitor_id));
  a.Set(
      "device_id",
      Value(absl::StrFormat(
          "dev-%012x", static_cast<uint64_t>(draw(kDeviceId) * (1ULL << 48)))));

  const char* country = Pick(draw(kCountry), kCountries);
  a.Set("country", Value(country));
  a.Set("language", Value(LanguageOf(country)));

  // Platform, device and client. Only app users send app_version.
  const char* platform = Pick(draw(kPlatform), kPlatforms);
  const bool app = absl::string_view(platform) != "web";
  const char* app_version = app ? Pick(draw(kAppVersion), kAppVersions) : "";
  Client client =
      ClientOf(platform, draw(kDeviceType), draw(kBrowser), app_version);
  a.Set("platform", Value(platform));
  Value device = Value::Object();
  device.Set("type", Value(client.type));
  device.Set("os", Value(client.os));
  device.Set("browser", Value(client.browser));
  a.Set("device", std::move(device));
  a.Set("user_agent", Value(std::move(client.user_agent)));
  if (app) a.Set("app_version", Value(app_version));

  // Visit history: 12% have no visit counter yet, 43% are on their first
  // visit, 45% are returning (2..31 visits, last one 1..180 days ago).
  const double v = draw(kVisits);
  const bool returning = v >= 0.55;
  if (v >= 0.12) {
    a.Set("visits",
          Value(returning ? Skewed((v - 0.55) / 0.45, 2, 31, 2.0) : 1));
  }
  a.Set("is_returning", Value(returning));
  if (returning) {
    a.Set("last_visit_days", Value(Skewed(draw(kLastVisit), 1, 180, 3.0)));
  }

  // Accounts: most returning visitors are logged in, few new ones are.
  const bool has_account = draw(kHasAccount) < (returning ? 0.75 : 0.10);
  if (has_account) {
    a.Set("customer_id",
          Value(absl::StrCat(
              "cust-", 100000 + static_cast<int>(draw(kCustomerId) * 900000))));
  }

  // Ages 18..79 with most visitors between 25 and 50.
  const double age_draw = draw(kAge);
  a.Set("age", Value(18 + static_cast<int>(62 * (0.5 * age_draw +
                                                 0.5 * age_draw * age_draw))));
  const double k = draw(kChildren);
  Value household = Value::Object();
  household.Set("children", Value(k < 0.50   ? 0
                                  : k < 0.70 ? 1
                                  : k < 0.89 ? 2
                                  : k < 0.97 ? 3
                                             : 4));
  a.Set("household", std::move(household));

  // Interests: "running" for 28%, plus 0..2 others.
  Value interests = Value::Array();
  if (draw(kRunning) < 0.28) interests.Append(Value("running"));
  const double n_draw = draw(kInterestCount);
  const int n_other = n_draw < 0.30 ? 0 : n_draw < 0.70 ? 1 : 2;
  uint64_t pick = static_cast<uint64_t>(draw(kInterestPick) *
                                        static_cast<double>(1ULL << 53));
  bool taken[kNumOtherInterests] = {};
  for (int i = 0; i < n_other; ++i) {
    int index = static_cast<int>(pick % kNumOtherInterests);
    pick /= kNumOtherInterests;
    while (taken[index]) index = (index + 1) % kNumOtherInterests;
    taken[index] = true;
    interests.Append(Value(kOtherInterests[index]));
  }
  a.Set("interests", std::move(interests));

  const double category = draw(kLastCategory);
  if (category < 0.65) {
    a.Set("last_category", Value(Pick(category / 0.65, kCategories)));
  }

  // Purchase history (last 90 days) of known customers.
  const int orders = has_account ? Skewed(draw(kOrders), 0, 6, 2.0) : 0;
  a.Set("orders_90d", Value(orders));
  a.Set("coupon_uses_90d",
        Value(orders == 0 ? 0 : Skewed(draw(kCoupons), 0, orders, 1.5)));
  a.Set("avg_discount_pct",
        Value(orders == 0 ? 0 : Skewed(draw(kDiscount), 0, 40, 1.8)));

  // Cart: 55% empty; otherwise 1..8 items, skewed low.
  const double c = draw(kCartItems);
  const int items = c < 0.55 ? 0 : Skewed((c - 0.55) / 0.45, 1, 8, 2.0);
  Value cart = Value::Object();
  cart.Set("items", Value(items));
  cart.Set("value",
           Value(items == 0
                     ? 0.0
                     : std::round(items * (12 + 60 * draw(kCartValue)) * 100) /
                           100));
  a.Set("cart", std::move(cart));

  a.Set("newsletter", Value(draw(kNewsletter) < 0.3));
  a.Set("utm_source", Value(Pick(draw(kUtm), kUtmSources)));
  return a;
}

}  // namespace cxlab::cli
