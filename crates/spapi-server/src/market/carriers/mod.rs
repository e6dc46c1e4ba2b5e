//! The carrier world: simulated carriers and their services per country, a rate table, rate
//! offers that expire, pickup and delivery promises from the clock, carrier-style tracking
//! numbers and the tracking events a package goes through.
//!
//! Everything here is pure (no store): Merchant Fulfillment, Shipping v1 and v2 (and later
//! Easy Ship) quote from it and keep what they sold. A package's tracking history is planned
//! once, when its label is bought ([`plan_tracking`]), as events with their times; the APIs
//! show the events whose time has come on the emulator clock, so tracking moves as the clock
//! moves, the same on every instance, without a job per scan.

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// How long a rate offer can be bought (Shipping v2: 10 minutes, then `TOKEN_EXPIRED`).
pub const OFFER_TTL: SignedDuration = SignedDuration::from_mins(10);

/// A carrier's service: what it is called, how fast it goes, what it takes and costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Service {
    /// Amazon-style service id (`UPS_PTP_2ND_DAY_AIR`).
    pub id: &'static str,
    /// Display name (`UPS 2nd Day Air®`).
    pub name: &'static str,
    /// Carrier id (`UPS`).
    pub carrier_id: &'static str,
    /// Carrier display name.
    pub carrier_name: &'static str,
    /// Transit days after pickup: fastest and slowest.
    pub days: (i64, i64),
    /// Base price, minor units of the country's currency.
    pub base: i64,
    /// Price per started kilogram of billed weight, minor units.
    pub per_kg: i64,
    /// Price per zone step, minor units.
    pub per_zone: i64,
    /// Heaviest package taken, grams.
    pub max_g: f64,
    /// Longest side taken, centimetres.
    pub max_side_cm: f64,
    /// Takes limited-quantity hazmat.
    pub hazmat: bool,
    /// Delivers to PO boxes.
    pub po_box: bool,
    /// The carrier comes to pick up (else the seller drops off).
    pub pickup: bool,
    /// Hours after purchase in which a label can be voided for a refund (before the first
    /// carrier scan in any case).
    pub void_hours: i64,
}

const fn svc(
    id: &'static str,
    name: &'static str,
    carrier: (&'static str, &'static str),
    days: (i64, i64),
    price: (i64, i64, i64),
    max_g: f64,
    flags: (bool, bool, bool),
) -> Service {
    Service {
        id,
        name,
        carrier_id: carrier.0,
        carrier_name: carrier.1,
        days,
        base: price.0,
        per_kg: price.1,
        per_zone: price.2,
        max_g,
        max_side_cm: 150.0,
        hazmat: flags.0,
        po_box: flags.1,
        pickup: flags.2,
        void_hours: 24,
    }
}

const UPS: (&str, &str) = ("UPS", "UPS");
const USPS: (&str, &str) = ("USPS", "USPS");
const FEDEX: (&str, &str) = ("FEDEX", "FedEx");
const AMZN_US: (&str, &str) = ("AMZN_US", "Amazon Shipping");
const ROYAL_MAIL: (&str, &str) = ("ROYAL_MAIL", "Royal Mail");
const DPD_UK: (&str, &str) = ("DPD_UK", "DPD");
const AMZN_UK: (&str, &str) = ("AMZN_UK", "Amazon Shipping");
const DHL: (&str, &str) = ("DHL", "DHL");
const HERMES: (&str, &str) = ("HERMES", "Hermes");
const AMZN_EU: (&str, &str) = ("AMZN_EU", "Amazon Shipping");
const YAMATO: (&str, &str) = ("YAMATO", "Yamato Transport");
const SAGAWA: (&str, &str) = ("SAGAWA", "Sagawa Express");
const ATS: (&str, &str) = ("ATS", "Amazon Transportation Services");
const DELHIVERY: (&str, &str) = ("DELHIVERY", "Delhivery");
const CANADA_POST: (&str, &str) = ("CANADA_POST", "Canada Post");

/// US services (prices in cents).
const US: &[Service] = &[
    svc(
        "USPS_PTP_GND_ADV",
        "USPS Ground Advantage®",
        USPS,
        (2, 5),
        (550, 120, 35),
        31_751.0,
        (true, true, false),
    ),
    svc(
        "USPS_PTP_PRI",
        "USPS Priority Mail®",
        USPS,
        (1, 3),
        (895, 160, 60),
        31_751.0,
        (false, true, false),
    ),
    svc(
        "UPS_PTP_GND",
        "UPS® Ground",
        UPS,
        (1, 5),
        (1010, 110, 45),
        68_038.0,
        (true, false, true),
    ),
    svc(
        "UPS_PTP_2ND_DAY_AIR",
        "UPS 2nd Day Air®",
        UPS,
        (2, 2),
        (2150, 260, 90),
        68_038.0,
        (false, false, true),
    ),
    svc(
        "UPS_PTP_NEXT_DAY_AIR",
        "UPS Next Day Air®",
        UPS,
        (1, 1),
        (4200, 420, 150),
        68_038.0,
        (false, false, true),
    ),
    svc(
        "FEDEX_PTP_HOME_DELIVERY",
        "FedEx Home Delivery®",
        FEDEX,
        (1, 5),
        (1050, 115, 45),
        68_038.0,
        (true, false, true),
    ),
    svc(
        "FEDEX_PTP_TWO_DAY",
        "FedEx 2Day®",
        FEDEX,
        (2, 2),
        (2200, 270, 95),
        68_038.0,
        (false, false, true),
    ),
    svc(
        "AMZN_US_GROUND",
        "Amazon Shipping Ground",
        AMZN_US,
        (2, 5),
        (690, 95, 30),
        22_679.0,
        (false, false, true),
    ),
];

/// Canadian services (prices in cents).
const CA: &[Service] = &[
    svc(
        "CANADA_POST_PTP_EXPEDITED",
        "Canada Post Expedited Parcel",
        CANADA_POST,
        (2, 6),
        (1150, 180, 60),
        30_000.0,
        (false, true, false),
    ),
    svc(
        "UPS_PTP_STANDARD_CA",
        "UPS® Standard",
        UPS,
        (1, 5),
        (1450, 160, 60),
        68_038.0,
        (true, false, true),
    ),
];

/// UK services (prices in pence).
const GB: &[Service] = &[
    svc(
        "ROYAL_MAIL_TRACKED_24",
        "Royal Mail Tracked 24®",
        ROYAL_MAIL,
        (1, 2),
        (395, 90, 20),
        20_000.0,
        (false, true, true),
    ),
    svc(
        "ROYAL_MAIL_TRACKED_48",
        "Royal Mail Tracked 48®",
        ROYAL_MAIL,
        (2, 3),
        (310, 80, 15),
        20_000.0,
        (false, true, true),
    ),
    svc(
        "DPD_NEXT_DAY",
        "DPD Next Day",
        DPD_UK,
        (1, 1),
        (690, 60, 25),
        30_000.0,
        (false, false, true),
    ),
    svc(
        "AMZN_UK_STANDARD",
        "Amazon Shipping Standard",
        AMZN_UK,
        (1, 3),
        (350, 70, 15),
        23_000.0,
        (false, false, true),
    ),
];

/// Euro-zone services (prices in cents), also the default elsewhere in Europe.
const EU: &[Service] = &[
    svc(
        "DHL_PAKET",
        "DHL Paket",
        DHL,
        (1, 3),
        (499, 70, 25),
        31_500.0,
        (false, false, true),
    ),
    svc(
        "HERMES_PAKET",
        "Hermes Päckchen",
        HERMES,
        (2, 4),
        (399, 60, 20),
        25_000.0,
        (false, false, false),
    ),
    svc(
        "AMZN_EU_STANDARD",
        "Amazon Shipping Standard",
        AMZN_EU,
        (1, 3),
        (420, 55, 20),
        23_000.0,
        (false, false, true),
    ),
];

/// Japanese services (prices in yen).
const JP: &[Service] = &[
    svc(
        "YAMATO_TAKKYUBIN",
        "宅急便",
        YAMATO,
        (1, 2),
        (930, 150, 120),
        25_000.0,
        (false, false, true),
    ),
    svc(
        "SAGAWA_HIKYAKU",
        "飛脚宅配便",
        SAGAWA,
        (1, 3),
        (880, 140, 110),
        30_000.0,
        (false, false, true),
    ),
];

/// Indian services (prices in paise).
const IN: &[Service] = &[
    svc(
        "ATS_STANDARD",
        "Amazon Shipping Standard",
        ATS,
        (2, 5),
        (4500, 3000, 1500),
        25_000.0,
        (false, false, true),
    ),
    svc(
        "DELHIVERY_SURFACE",
        "Delhivery Surface",
        DELHIVERY,
        (3, 7),
        (3800, 2500, 1200),
        30_000.0,
        (false, false, true),
    ),
];

/// The services that ship from `country` (ISO alpha-2), and the currency they price in.
pub fn services_for(country: &str) -> (&'static [Service], &'static str) {
    match country {
        "US" | "PR" => (US, "USD"),
        "CA" => (CA, "CAD"),
        "GB" | "UK" => (GB, "GBP"),
        "JP" => (JP, "JPY"),
        "IN" => (IN, "INR"),
        "SE" => (EU, "SEK"),
        "PL" => (EU, "PLN"),
        "TR" => (EU, "TRY"),
        "AE" => (EU, "AED"),
        "SA" => (EU, "SAR"),
        "EG" => (EU, "EGP"),
        "MX" => (US, "MXN"),
        "BR" => (US, "BRL"),
        "AU" => (EU, "AUD"),
        "SG" => (EU, "SGD"),
        _ => (EU, "EUR"),
    }
}

/// Every service of every country (distinct ids).
pub fn all_services() -> impl Iterator<Item = &'static Service> {
    [US, CA, GB, EU, JP, IN].into_iter().flatten()
}

/// The service with this id.
pub fn service(id: &str) -> Option<&'static Service> {
    all_services().find(|s| s.id == id)
}

/// The distinct carriers of a country: id and name.
pub fn carriers_for(country: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for s in services_for(country).0 {
        if !out.iter().any(|(id, _)| *id == s.carrier_id) {
            out.push((s.carrier_id, s.carrier_name));
        }
    }
    out
}

/// A package to be quoted, in metric units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parcel {
    /// Weight, grams.
    pub weight_g: f64,
    /// Sides, centimetres (when known).
    pub dims_cm: Option<[f64; 3]>,
    /// Holds limited-quantity hazmat.
    pub hazmat: bool,
    /// The seller asks for a delivery signature.
    pub signature: bool,
    /// Declared value for insurance, minor units.
    pub declared: i64,
}

/// Grams from a value and a unit (`g`, `kg`, `oz`, `lb`, any case; Amazon's `GRAM`...).
pub fn grams(value: f64, unit: &str) -> Option<f64> {
    let f = match unit.to_ascii_lowercase().as_str() {
        "g" | "gram" | "grams" => 1.0,
        "kg" | "kilogram" | "kilograms" => 1000.0,
        "oz" | "ounce" | "ounces" => 28.349_523_125,
        "lb" | "lbs" | "pound" | "pounds" => 453.592_37,
        _ => return None,
    };
    (value.is_finite() && value > 0.0).then_some(value * f)
}

/// Centimetres from a value and a unit (`inches`, `IN`, `INCH`, `centimeters`, `CM`...).
pub fn centimetres(value: f64, unit: &str) -> Option<f64> {
    let f = match unit.to_ascii_lowercase().as_str() {
        "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => 1.0,
        "in" | "inch" | "inches" => 2.54,
        _ => return None,
    };
    (value.is_finite() && value > 0.0).then_some(value * f)
}

/// Why a service cannot take a package (Shipping v2's `ineligibilityReasons` codes; MFN maps
/// them to its rejection reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// Heavier than the service takes.
    Weight,
    /// A side longer than the service takes.
    Size,
    /// The service takes no hazmat.
    Hazmat,
    /// The carrier does not deliver to PO boxes.
    PoBox,
    /// It would arrive after the date the package must arrive by.
    LateDelivery,
}

impl Ineligible {
    /// Shipping v2's code.
    pub fn code(self) -> &'static str {
        match self {
            Ineligible::Weight => "WEIGHT_RESTRICTIONS",
            Ineligible::Size => "SIZE_RESTRICTIONS",
            Ineligible::Hazmat => "PROGRAM_CONSTRAINTS",
            Ineligible::PoBox => "NO_COVERAGE",
            Ineligible::LateDelivery => "LATE_DELIVERY",
        }
    }

    /// Merchant Fulfillment's rejection reason code.
    pub fn mfn_code(self) -> &'static str {
        match self {
            Ineligible::Weight => "CARRIER_CANNOT_SHIP_OVERWEIGHT_PACKAGE",
            Ineligible::Size => "CARRIER_CANNOT_SHIP_OVERSIZE_PACKAGE",
            Ineligible::Hazmat => "CARRIER_CANNOT_SHIP_HAZMAT",
            Ineligible::PoBox => "CARRIER_CANNOT_SHIP_TO_POBOX",
            Ineligible::LateDelivery => "CARRIER_WILL_MISS_MUST_ARRIVE_BY_DATE",
        }
    }

    /// A sentence for the caller.
    pub fn message(self) -> &'static str {
        match self {
            Ineligible::Weight => "The package is heavier than this service accepts.",
            Ineligible::Size => "The package is larger than this service accepts.",
            Ineligible::Hazmat => "This service does not accept hazardous materials.",
            Ineligible::PoBox => "The carrier does not deliver to PO boxes.",
            Ineligible::LateDelivery => "The service cannot deliver by the required date.",
        }
    }
}

/// One line of a quote's price.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLine {
    /// Shipping v2 `rateItemID` (`BASE_RATE`, `FUEL_SURCHARGE`...).
    pub id: &'static str,
    /// Amount, minor units.
    pub amount: i64,
}

/// A priced offer of one service for one package.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The service.
    pub service: &'static Service,
    /// Currency of the amounts.
    pub currency: &'static str,
    /// Billed weight, grams (the larger of actual and dimensional weight).
    pub billed_g: f64,
    /// Total, minor units.
    pub total: i64,
    /// The lines that add up to the total.
    pub lines: Vec<RateLine>,
    /// When the carrier picks the package up (or it is dropped off): window start and end.
    pub pickup: (Timestamp, Timestamp),
    /// When it is delivered: window start and end.
    pub delivery: (Timestamp, Timestamp),
}

/// The route of a package: countries, postal codes, and whether it goes to a PO box.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// Ship-from country.
    pub from_country: String,
    /// Ship-from postal code.
    pub from_postal: String,
    /// Ship-to country.
    pub to_country: String,
    /// Ship-to postal code.
    pub to_postal: String,
    /// The ship-to address is a PO box.
    pub po_box: bool,
}

/// Whether an address line names a PO box.
pub fn is_po_box(line: &str) -> bool {
    let l = line.to_ascii_lowercase().replace(['.', ' '], "");
    l.starts_with("pobox") || l.starts_with("postofficebox")
}

/// The zone (1..=8) between two postal codes: the distance of their leading digits (or
/// letters), as carriers' zone charts grow with distance. Another country is zone 8.
pub fn zone(route: &Route) -> i64 {
    if !route.from_country.eq_ignore_ascii_case(&route.to_country) {
        return 8;
    }
    let key = |p: &str| -> i64 {
        let mut v = 0i64;
        for c in p.chars().filter(|c| c.is_ascii_alphanumeric()).take(3) {
            v = v * 36 + c.to_digit(36).unwrap_or(0) as i64;
        }
        v
    };
    let (a, b) = (key(&route.from_postal), key(&route.to_postal));
    let span = 36 * 36 * 36 / 8;
    1 + ((a - b).abs() / span.max(1)).min(7)
}

const DAY_S: i64 = 86_400;

fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

fn from_secs(s: i64, fallback: Timestamp) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(fallback)
}

/// Monday = 0 ... Sunday = 6 (UTC); 1970-01-01 was a Thursday.
fn weekday(t: Timestamp) -> i64 {
    (secs(t).div_euclid(DAY_S) + 3).rem_euclid(7)
}

fn hour(t: Timestamp) -> i64 {
    secs(t).rem_euclid(DAY_S) / 3600
}

fn is_weekday(t: Timestamp) -> bool {
    weekday(t) < 5
}

/// The first moment a package bought at `at` can be handed over: the same day before 17:00
/// UTC on a weekday, else the next weekday at 09:00.
pub fn handover(at: Timestamp) -> Timestamp {
    if is_weekday(at) && hour(at) < 17 {
        return at;
    }
    let mut d = at;
    loop {
        d = from_secs(secs(d) + DAY_S, at);
        if is_weekday(d) {
            break;
        }
    }
    at_hour(d, 9)
}

/// `n` business days after `t` (weekends skipped), at the same time of day.
pub fn business_days(t: Timestamp, n: i64) -> Timestamp {
    let mut z = t;
    let mut left = n;
    while left > 0 {
        z = from_secs(secs(z) + DAY_S, t);
        if is_weekday(z) {
            left -= 1;
        }
    }
    z
}

fn at_hour(t: Timestamp, h: i64) -> Timestamp {
    from_secs(secs(t).div_euclid(DAY_S) * DAY_S + h * 3600, t)
}

/// A carrier that is down for maintenance at `at`: FedEx between 02:00 and 03:00 UTC every
/// day (spapi's choice, so that "temporarily unavailable" carriers can be met on purpose).
pub fn temporarily_unavailable(carrier_id: &str, at: Timestamp) -> bool {
    carrier_id == "FEDEX" && hour(at) == 2
}

/// Quotes every service of the ship-from country for `parcel` on `route`, shipping no
/// earlier than `ship_at`: the offers, and the services that cannot take it with why.
/// Carriers down for maintenance are left out of both (see [`temporarily_unavailable`]).
pub fn quote(
    route: &Route,
    parcel: &Parcel,
    ship_at: Timestamp,
    must_arrive_by: Option<Timestamp>,
) -> (Vec<Quote>, Vec<(&'static Service, Ineligible)>) {
    let (services, currency) = services_for(&route.from_country.to_ascii_uppercase());
    let zone = zone(route);
    let mut offers = Vec::new();
    let mut refused = Vec::new();
    let longest = parcel
        .dims_cm
        .map(|d| d.iter().cloned().fold(0.0, f64::max))
        .unwrap_or(0.0);
    // Dimensional weight: volume / 5000 cm³ per kg (139 in³ per lb is the same rule in US units).
    let dim_g = parcel
        .dims_cm
        .map(|[a, b, c]| a * b * c / 5.0)
        .unwrap_or(0.0);
    let billed_g = parcel.weight_g.max(dim_g).max(1.0);
    for s in services {
        if temporarily_unavailable(s.carrier_id, ship_at) {
            continue;
        }
        let why = if billed_g > s.max_g || parcel.weight_g > s.max_g {
            Some(Ineligible::Weight)
        } else if longest > s.max_side_cm {
            Some(Ineligible::Size)
        } else if parcel.hazmat && !s.hazmat {
            Some(Ineligible::Hazmat)
        } else if route.po_box && !s.po_box {
            Some(Ineligible::PoBox)
        } else {
            None
        };
        if let Some(why) = why {
            refused.push((s, why));
            continue;
        }
        let pickup_start = handover(ship_at);
        let pickup = (pickup_start, at_hour(pickup_start, 18).max(pickup_start));
        // Slower within the service's range the farther the zone.
        let span = s.days.1 - s.days.0;
        let slow = s.days.0 + (span * (zone - 1) / 7);
        let fast = s.days.0.min(slow);
        let delivery = (
            at_hour(business_days(pickup.0, fast), 9),
            at_hour(business_days(pickup.0, slow.max(fast)), 20),
        );
        if must_arrive_by.is_some_and(|by| delivery.1 > by) {
            refused.push((s, Ineligible::LateDelivery));
            continue;
        }
        let kg = (billed_g / 1000.0).ceil() as i64;
        let base = s.base + s.per_kg * kg + s.per_zone * (zone - 1);
        let mut lines = vec![RateLine {
            id: "BASE_RATE",
            amount: base,
        }];
        // Fuel: 8% of the base; oversize, hazmat, signature and insurance as flat surcharges
        // relative to the service's base price.
        lines.push(RateLine {
            id: "FUEL_SURCHARGE",
            amount: base * 8 / 100,
        });
        if longest > 120.0 {
            lines.push(RateLine {
                id: "OVERSIZE_SURCHARGE",
                amount: s.base,
            });
        }
        if parcel.hazmat {
            lines.push(RateLine {
                id: "HAZMAT_SURCHARGE",
                amount: s.base / 2,
            });
        }
        if parcel.signature {
            lines.push(RateLine {
                id: "SIGNATURE_CONFIRMATION",
                amount: s.base / 4,
            });
        }
        if parcel.declared > 10_000 {
            lines.push(RateLine {
                id: "INSURANCE",
                amount: (parcel.declared - 10_000) / 100,
            });
        }
        let total = lines.iter().map(|l| l.amount).sum();
        offers.push(Quote {
            service: s,
            currency,
            billed_g,
            total,
            lines,
            pickup,
            delivery,
        });
    }
    (offers, refused)
}

fn digest(label: &str) -> [u8; 32] {
    Sha256::digest(label.as_bytes()).into()
}

fn digits(label: &str, n: usize) -> String {
    let d = digest(label);
    (0..n)
        .map(|i| char::from(b'0' + d[i % 32].wrapping_add((i / 32) as u8) % 10))
        .collect()
}

/// A tracking number in the style of the service's carrier, derived from `seed` (a shipment
/// id): UPS `1Z…`, USPS 22 digits, FedEx 12 digits, Royal Mail `AB123456789GB`, Amazon `TBA…`.
pub fn tracking_number(service: &Service, seed: &str) -> String {
    let label = format!("tracking:{seed}");
    match service.carrier_id {
        "UPS" => format!(
            "1Z{}",
            crate::market::alnum_tail(&label, 16).to_ascii_uppercase()
        ),
        "USPS" => format!("9400{}", digits(&label, 18)),
        "FEDEX" => digits(&label, 12),
        "ROYAL_MAIL" => format!("RM{}GB", digits(&label, 9)),
        "DPD_UK" => format!("15{}", digits(&label, 12)),
        "DHL" => format!("00340{}", digits(&label, 15)),
        "HERMES" => format!("H{}", digits(&label, 19)),
        "YAMATO" | "SAGAWA" => digits(&label, 12),
        "DELHIVERY" => digits(&label, 13),
        "CANADA_POST" => digits(&label, 16),
        _ => format!("TBA{}", digits(&label, 12)),
    }
}

/// A place a tracking event happens.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Place {
    /// City.
    pub city: String,
    /// State or region.
    pub state: String,
    /// Postal code.
    pub postal: String,
    /// Country, ISO alpha-2.
    pub country: String,
}

/// One planned tracking event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scan {
    /// Shipping v2 event code (`ReadyForReceive`, `PickupDone`, `Departed`,
    /// `ArrivedAtCarrierFacility`, `OutForDelivery`, `Delivered`, `DeliveryAttempted`,
    /// `ReturnInitiated`...).
    pub code: String,
    /// When, epoch µs.
    pub at_us: i64,
    /// Where.
    pub place: Place,
    /// `FORWARD` or `RETURNS`.
    pub leg: String,
}

/// How a package's journey ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered on time.
    Delivered,
    /// A day late (a missed connection).
    Delayed,
    /// A failed first attempt, delivered the next day.
    Attempted,
    /// Two failed attempts, then returned to the sender (a non-delivery report, NDR).
    Returned,
}

impl Outcome {
    /// The outcome of a package by its tracking number: most are delivered on time; one in
    /// ten is a day late, one in ten has a failed first attempt, one in twenty goes back to
    /// the sender.
    pub fn of(tracking_id: &str) -> Outcome {
        match digest(&format!("outcome:{tracking_id}"))[0] % 20 {
            0 | 1 => Outcome::Delayed,
            2 | 3 => Outcome::Attempted,
            4 => Outcome::Returned,
            _ => Outcome::Delivered,
        }
    }
}

/// The events of a package from label purchase (`bought`) through pickup to delivery (or back
/// to the sender), by [`Outcome::of`] its tracking number.
pub fn plan_tracking(
    tracking_id: &str,
    bought: Timestamp,
    quote_pickup: Timestamp,
    quote_delivery: (Timestamp, Timestamp),
    from: &Place,
    to: &Place,
) -> Vec<Scan> {
    plan_with(
        Outcome::of(tracking_id),
        bought,
        quote_pickup,
        quote_delivery,
        from,
        to,
    )
}

/// [`plan_tracking`] with a chosen outcome.
pub fn plan_with(
    outcome: Outcome,
    bought: Timestamp,
    quote_pickup: Timestamp,
    quote_delivery: (Timestamp, Timestamp),
    from: &Place,
    to: &Place,
) -> Vec<Scan> {
    let us = |t: Timestamp| t.as_microsecond();
    let hours = |t: Timestamp, h: i64| {
        t.checked_add(SignedDuration::from_mins(h * 60))
            .unwrap_or(t)
    };
    let hub = Place {
        city: format!(
            "{} Hub",
            to.city.split_whitespace().next().unwrap_or("Sort")
        ),
        state: to.state.clone(),
        postal: to.postal.clone(),
        country: to.country.clone(),
    };
    let scan = |code: &str, t: Timestamp, place: &Place, leg: &str| Scan {
        code: code.into(),
        at_us: us(t),
        place: place.clone(),
        leg: leg.into(),
    };
    let pickup = hours(quote_pickup.max(bought), 2);
    let mut out = vec![
        scan("ReadyForReceive", bought, from, "FORWARD"),
        scan("PickupDone", pickup, from, "FORWARD"),
        scan("Departed", hours(pickup, 3), from, "FORWARD"),
    ];
    let mut arrive = at_hour(quote_delivery.0, 5).max(hours(pickup, 8));
    out.push(scan("ArrivedAtCarrierFacility", arrive, &hub, "FORWARD"));
    if outcome == Outcome::Delayed {
        arrive = business_days(arrive, 1);
        out.push(scan("Departed", hours(arrive, -12), &hub, "FORWARD"));
        out.push(scan("ArrivedAtCarrierFacility", arrive, &hub, "FORWARD"));
    }
    let out_for = hours(arrive, 3);
    out.push(scan("OutForDelivery", out_for, &hub, "FORWARD"));
    match outcome {
        Outcome::Delivered | Outcome::Delayed => {
            out.push(scan("Delivered", hours(out_for, 6), to, "FORWARD"));
        }
        Outcome::Attempted => {
            out.push(scan("DeliveryAttempted", hours(out_for, 6), to, "FORWARD"));
            let next = business_days(out_for, 1);
            out.push(scan("OutForDelivery", next, &hub, "FORWARD"));
            out.push(scan("Delivered", hours(next, 5), to, "FORWARD"));
        }
        Outcome::Returned => {
            out.push(scan("DeliveryAttempted", hours(out_for, 6), to, "FORWARD"));
            let next = business_days(out_for, 1);
            out.push(scan("OutForDelivery", next, &hub, "FORWARD"));
            out.push(scan("DeliveryAttempted", hours(next, 5), to, "FORWARD"));
            let back = business_days(next, 2);
            out.push(scan("ReturnInitiated", back, &hub, "RETURNS"));
            out.push(scan("Delivered", business_days(back, 3), from, "RETURNS"));
        }
    }
    out
}

/// The events that have happened by `now_us`.
pub fn seen(plan: &[Scan], now_us: i64) -> impl Iterator<Item = &Scan> {
    plan.iter().filter(move |s| s.at_us <= now_us)
}

/// Whether the carrier has scanned the package (picked it up) by `now_us`: a label is no
/// longer refundable after that.
pub fn picked_up(plan: &[Scan], now_us: i64) -> bool {
    seen(plan, now_us).any(|s| s.code == "PickupDone")
}

/// Shipping v2's summary status of what has happened: `PreTransit`, `InTransit`,
/// `OutForDelivery`, `DeliveryAttempted`, `Delivered`, or `Rejected` (returned to sender).
pub fn summary_status(plan: &[Scan], now_us: i64) -> &'static str {
    let last = seen(plan, now_us).last();
    match last.map(|s| (s.code.as_str(), s.leg.as_str())) {
        None | Some(("ReadyForReceive", _)) => "PreTransit",
        Some((_, "RETURNS")) if last.is_some_and(|s| s.code == "Delivered") => "Rejected",
        Some(("Delivered", _)) => "Delivered",
        Some(("OutForDelivery", _)) => "OutForDelivery",
        Some(("DeliveryAttempted", _)) => "DeliveryAttempted",
        Some(("PickupCancelled", _)) => "PickupCancelled",
        _ => "InTransit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn quotes_grow_with_weight_and_zone() {
        let near = Route {
            from_country: "US".into(),
            from_postal: "98101".into(),
            to_country: "US".into(),
            to_postal: "98109".into(),
            po_box: false,
        };
        let far = Route {
            to_postal: "10001".into(),
            ..near.clone()
        };
        let light = Parcel {
            weight_g: 500.0,
            ..Default::default()
        };
        let heavy = Parcel {
            weight_g: 9000.0,
            ..Default::default()
        };
        let at = t("2025-06-02T10:00:00Z");
        let (a, _) = quote(&near, &light, at, None);
        let (b, _) = quote(&far, &light, at, None);
        let (c, _) = quote(&near, &heavy, at, None);
        assert!(!a.is_empty());
        for ((x, y), z) in a.iter().zip(&b).zip(&c) {
            assert!(x.total < y.total, "{} zone", x.service.id);
            assert!(x.total < z.total, "{} weight", x.service.id);
            assert_eq!(x.total, x.lines.iter().map(|l| l.amount).sum::<i64>());
            assert!(x.delivery.0 <= x.delivery.1 && x.pickup.0 < x.delivery.0);
        }
        // A PO box leaves out the carriers that do not go there.
        let (_, refused) = quote(
            &Route {
                po_box: true,
                ..near.clone()
            },
            &light,
            at,
            None,
        );
        assert!(
            refused
                .iter()
                .any(|(s, why)| s.carrier_id == "UPS" && *why == Ineligible::PoBox)
        );
        // A Saturday purchase is handed over on Monday.
        assert_eq!(
            handover(t("2025-06-07T10:00:00Z")),
            t("2025-06-09T09:00:00Z")
        );
    }

    #[test]
    fn tracking_numbers_look_like_the_carriers() {
        let ups = service("UPS_PTP_GND").unwrap();
        let n = tracking_number(ups, "x");
        assert!(n.starts_with("1Z") && n.len() == 18, "{n}");
        assert_eq!(n, tracking_number(ups, "x"));
        assert_ne!(n, tracking_number(ups, "y"));
        let usps = tracking_number(service("USPS_PTP_PRI").unwrap(), "x");
        assert!(usps.len() == 22 && usps.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn every_plan_ends_and_moves_forward() {
        let from = Place::default();
        let to = Place {
            city: "New York".into(),
            ..Default::default()
        };
        for outcome in [
            Outcome::Delivered,
            Outcome::Delayed,
            Outcome::Attempted,
            Outcome::Returned,
        ] {
            let plan = plan_with(
                outcome,
                t("2025-06-02T10:00:00Z"),
                t("2025-06-02T10:00:00Z"),
                (t("2025-06-04T09:00:00Z"), t("2025-06-05T20:00:00Z")),
                &from,
                &to,
            );
            assert!(
                plan.windows(2).all(|w| w[0].at_us <= w[1].at_us),
                "{outcome:?}"
            );
            assert_eq!(plan.last().unwrap().code, "Delivered");
            let end = plan.last().unwrap().at_us;
            let want = if outcome == Outcome::Returned {
                "Rejected"
            } else {
                "Delivered"
            };
            assert_eq!(summary_status(&plan, end), want);
            assert_eq!(summary_status(&plan, plan[0].at_us), "PreTransit");
            assert!(!picked_up(&plan, plan[0].at_us));
        }
    }
}
