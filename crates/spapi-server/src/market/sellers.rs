//! Sellers: the marketplaces a seller sells in and its account, as the Sellers API shows them,
//! and the control plane's way to change the account.
//!
//! A seller's account (business, business type, selling plan, primary contact) is stored with
//! the seller as the Sellers API's `Account` document without its participations. Until the
//! control plane sets one, the account is derived from the seller id: a business registered in
//! the seller's home country (the country of its first marketplace), with a street, city,
//! postal code and region of that country, names in its style (and in its script where it uses
//! a non-Latin one: Japanese, Arabic) and numbers in the shape of its company registers and tax
//! ids. The same seller id always gives the same account.

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::{Marketplace, marketplace};
use crate::store::{SellerRecord, Store};
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use spapi_model::sellers_v1 as m;

/// The Sellers API over the world's sellers: what the binding holds.
#[derive(Clone)]
pub struct SellerAccounts {
    store: Store,
}

impl SellerAccounts {
    /// The sellers of the world in `store`.
    pub fn new(store: Store) -> Self {
        SellerAccounts { store }
    }

    /// [`participations`] of the caller's seller.
    pub async fn participations(&self, caller: &Caller) -> Result<Vec<Participation>> {
        participations(&self.store, caller).await
    }

    /// [`account`] of the caller's seller.
    pub async fn account(&self, caller: &Caller) -> Result<SellerAccount> {
        account(&self.store, caller).await
    }
}

/// One marketplace the seller sells in.
#[derive(Debug, Clone, PartialEq)]
pub struct Participation {
    /// The marketplace.
    pub marketplace: &'static Marketplace,
    /// The seller's store name there.
    pub store_name: String,
    /// Whether the seller sells there (always: the world has no lapsed participations).
    pub is_participating: bool,
    /// Whether listings are suspended there (never in the world).
    pub has_suspended_listings: bool,
}

/// A seller's account as stored: the Sellers API's `Account` without
/// `marketplaceParticipationList`, in its wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The type of business registered for the account.
    pub business_type: m::AccountBusinessType,
    /// The selling plan.
    pub selling_plan: m::AccountSellingPlan,
    /// The registered business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<m::Business>,
    /// The primary contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_contact: Option<m::PrimaryContact>,
}

/// What getAccount answers: the account and the seller's participations.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerAccount {
    /// The account.
    pub account: Account,
    /// Participations, in the seller's marketplace order.
    pub participations: Vec<Participation>,
}

/// A change of a seller's account (the control plane's body): every field given replaces the
/// seller's; absent fields keep their value. Nested objects are whole (a business with its
/// name and registered address, an address with at least its first line and country).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountPatch {
    /// New business type (one of the model's values).
    #[serde(default)]
    pub business_type: Option<m::AccountBusinessType>,
    /// New selling plan (one of the model's values).
    #[serde(default)]
    pub selling_plan: Option<m::AccountSellingPlan>,
    /// New business.
    #[serde(default)]
    pub business: Option<m::Business>,
    /// New primary contact.
    #[serde(default)]
    pub primary_contact: Option<m::PrimaryContact>,
}

/// The caller's seller; 403 without one (a grantless token) or for a seller that is gone.
async fn caller_seller(
    store: &Store,
    caller: &Caller,
) -> Result<(SellerRecord, Option<serde_json::Value>)> {
    let id = caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)?;
    store
        .get_seller_account(id)
        .await?
        .ok_or_else(Error::forbidden)
}

/// The seller's participations, one per marketplace of the seller record, in its order.
fn participations_of(seller: &SellerRecord) -> Vec<Participation> {
    seller
        .marketplace_ids
        .iter()
        .filter_map(|id| marketplace(id))
        .map(|mp| Participation {
            marketplace: mp,
            store_name: seller.name.clone(),
            is_participating: true,
            has_suspended_listings: false,
        })
        .collect()
}

/// The marketplaces the caller's seller sells in (getMarketplaceParticipations).
pub async fn participations(store: &Store, caller: &Caller) -> Result<Vec<Participation>> {
    let (seller, _) = caller_seller(store, caller).await?;
    Ok(participations_of(&seller))
}

/// The caller's seller's account and participations (getAccount): the stored account, or the
/// one derived from the seller id.
pub async fn account(store: &Store, caller: &Caller) -> Result<SellerAccount> {
    let (seller, stored) = caller_seller(store, caller).await?;
    let account = stored_or_derived(&seller, stored)?;
    Ok(SellerAccount {
        participations: participations_of(&seller),
        account,
    })
}

/// Changes the account of seller `seller_id` (control plane): the fields of `patch` replace
/// the seller's (the derived account's, if none was set), the result is checked against the
/// model (business type and selling plan among its values; names and first address lines not
/// blank; countries as ISO 3166-1 alpha-2 codes) and stored. Answers the new account; 404 for an
/// unknown seller, 400 for an invalid account.
pub async fn set_account(store: &Store, seller_id: &str, patch: AccountPatch) -> Result<Account> {
    let Some((seller, stored)) = store.get_seller_account(seller_id).await? else {
        return Err(Error::not_found().with_details(format!("seller {seller_id} does not exist.")));
    };
    let mut account = stored_or_derived(&seller, stored)?;
    if let Some(v) = patch.business_type {
        account.business_type = v;
    }
    if let Some(v) = patch.selling_plan {
        account.selling_plan = v;
    }
    if let Some(v) = patch.business {
        account.business = Some(v);
    }
    if let Some(v) = patch.primary_contact {
        account.primary_contact = Some(v);
    }
    check(&account)?;
    let doc = serde_json::to_value(&account).map_err(Error::internal)?;
    store.set_seller_account(seller_id, &doc).await?;
    Ok(account)
}

fn stored_or_derived(seller: &SellerRecord, stored: Option<serde_json::Value>) -> Result<Account> {
    match stored {
        Some(doc) => serde_json::from_value(doc).map_err(|e| {
            Error::internal(format!(
                "stored account of seller {} does not parse: {e}",
                seller.selling_partner_id
            ))
        }),
        None => Ok(derived(seller)),
    }
}

/// Checks an account against the model's rules (400 `InvalidInput` naming the field).
fn check(account: &Account) -> Result<()> {
    if let m::AccountBusinessType::Unknown(v) = &account.business_type {
        return Err(one_of("businessType", v, m::AccountBusinessType::VALUES));
    }
    if let m::AccountSellingPlan::Unknown(v) = &account.selling_plan {
        return Err(one_of("sellingPlan", v, m::AccountSellingPlan::VALUES));
    }
    if let Some(b) = &account.business {
        not_blank("business.name", &b.name)?;
        check_address(
            "business.registeredBusinessAddress",
            &b.registered_business_address,
        )?;
    }
    if let Some(c) = &account.primary_contact {
        not_blank("primaryContact.name", &c.name)?;
        check_address("primaryContact.address", &c.address)?;
    }
    Ok(())
}

fn one_of(field: &str, value: &str, values: &[&str]) -> Error {
    Error::invalid_input(format!(
        "{field} must be one of {}; got '{value}'.",
        values.join(", ")
    ))
}

fn not_blank(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(format!("{field} must not be empty.")));
    }
    Ok(())
}

fn check_address(field: &str, a: &m::Address) -> Result<()> {
    not_blank(&format!("{field}.addressLine1"), &a.address_line1)?;
    let cc = &a.country_code;
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid_input(format!(
            "{field}.countryCode must be an ISO 3166-1 alpha-2 code (two upper-case letters); got '{cc}'."
        )));
    }
    Ok(())
}

/// The account a seller has until one is set: derived from its id, in its home country (the
/// country of its first marketplace; the US for a seller without one).
pub fn derived(seller: &SellerRecord) -> Account {
    let country = seller
        .marketplace_ids
        .first()
        .and_then(|id| marketplace(id))
        .map(|mp| mp.country_code)
        .unwrap_or("US");
    derive(&seller.selling_partner_id, country)
}

/// The account of seller `seller_id` registered in `country_code`: the same arguments give the
/// same account.
pub fn derive(seller_id: &str, country_code: &str) -> Account {
    let country = country(country_code);
    let mut rng = super::world::rng_for(0, &format!("seller-account:{seller_id}"));
    let business_type = pick_weighted(&mut rng, BUSINESS_TYPES);
    let selling_plan = if business_type == "INDIVIDUAL" && rng.random_bool(0.5) {
        "INDIVIDUAL"
    } else {
        "PROFESSIONAL"
    };
    let contact = person(&mut rng, country);
    let contact_address = address(&mut rng, country);
    let stem = pick(&mut rng, country.stems);
    // Companies are named after their trade name and legal form; sole traders trade under a
    // name of their own; an individual is the business.
    let (name, non_latin_name) = match business_type {
        "PRIVATE_LIMITED" => legal_name(country.limited, stem),
        "PUBLIC_LISTED" | "STATE_OWNED" => legal_name(country.listed, stem),
        "CHARITY" => legal_name(country.charity, stem),
        "INDIVIDUAL" => (contact.0.clone(), contact.1.clone()),
        _ => (stem.0.to_string(), stem.1.map(str::to_string)),
    };
    // An individual's registered address is where they live.
    let business_address = if business_type == "INDIVIDUAL" {
        contact_address.clone()
    } else {
        address(&mut rng, country)
    };
    // The model: no registration number for individuals and sole proprietorships; a tax id
    // for some types, sole proprietorships among them.
    let (registration, tax) = match business_type {
        "INDIVIDUAL" => (None, None),
        "SOLE_PROPRIETORSHIP" | "CRAFTSMAN" | "NATURAL_PERSON_COMPANY" => {
            (None, Some(number(&mut rng, country.tax_id)))
        }
        _ => (
            Some(number(&mut rng, country.registration)),
            Some(number(&mut rng, country.tax_id)),
        ),
    };
    Account {
        business_type: m::AccountBusinessType::from_wire(business_type),
        selling_plan: m::AccountSellingPlan::from_wire(selling_plan),
        business: Some(m::Business {
            name,
            registered_business_address: business_address,
            company_registration_number: registration,
            company_tax_identification_number: tax,
            non_latin_name,
        }),
        primary_contact: Some(m::PrimaryContact {
            name: contact.0,
            address: contact_address,
            non_latin_name: contact.1,
        }),
    }
}

/// Business types of derived accounts, with their weights.
const BUSINESS_TYPES: &[(&str, u32)] = &[
    ("PRIVATE_LIMITED", 40),
    ("SOLE_PROPRIETORSHIP", 22),
    ("INDIVIDUAL", 12),
    ("NATURAL_PERSON_COMPANY", 8),
    ("PUBLIC_LISTED", 6),
    ("CRAFTSMAN", 6),
    ("CHARITY", 3),
    ("STATE_OWNED", 3),
];

fn pick_weighted(rng: &mut StdRng, table: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = table.iter().map(|e| e.1).sum();
    let mut n = rng.random_range(0..total);
    for (v, w) in table {
        if n < *w {
            return v;
        }
        n -= w;
    }
    table[0].0
}

fn pick<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}

/// A name in Latin script and, where the country writes it otherwise, in its own script.
type Name = (&'static str, Option<&'static str>);

/// A legal name: the trade name in the legal form's template (`{}` is the trade name), in
/// Latin script and in the country's own.
fn legal_name(form: Name, stem: Name) -> (String, Option<String>) {
    let latin = form.0.replace("{}", stem.0);
    let native = match (form.1, stem.1) {
        (Some(f), Some(s)) => Some(f.replace("{}", s)),
        _ => None,
    };
    (latin, native)
}

/// A person's full name, in Latin script and, where the country uses another, in its own.
fn person(rng: &mut StdRng, c: &Country) -> (String, Option<String>) {
    let given = pick(rng, c.given_names);
    let family = pick(rng, c.family_names);
    let latin = if c.family_first_latin {
        format!("{} {}", family.0, given.0)
    } else {
        format!("{} {}", given.0, family.0)
    };
    let native = match (given.1, family.1) {
        // Japanese writes the family name first; Arabic the given name.
        (Some(g), Some(f)) if c.code == "JP" => Some(format!("{f} {g}")),
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        _ => None,
    };
    (latin, native)
}

/// A street address in the country: one of its places, a street there and a number, written
/// the country's way.
fn address(rng: &mut StdRng, c: &Country) -> m::Address {
    let place = pick(rng, c.places);
    let street = pick(rng, place.streets);
    let n = rng.random_range(c.numbers.0..=c.numbers.1);
    let sub = rng.random_range(1..=30);
    let line1 = c
        .line
        .replace("{s}", street)
        .replace("{n}", &n.to_string())
        .replace("{m}", &sub.to_string());
    m::Address {
        address_line1: line1,
        address_line2: None,
        country_code: c.code.to_string(),
        state_or_province_code: place.region.map(str::to_string),
        city: Some(place.city.to_string()),
        postal_code: place.postal_code.map(str::to_string),
    }
}

/// A number in `shape`: `#` a digit, `@` an upper-case letter, anything else itself.
fn number(rng: &mut StdRng, shape: &str) -> String {
    shape
        .chars()
        .map(|ch| match ch {
            '#' => char::from(b'0' + rng.random_range(0..10u8)),
            '@' => char::from(b'A' + rng.random_range(0..26u8)),
            other => other,
        })
        .collect()
}

/// A city (or district) with its region and postal code, and streets there.
#[derive(Debug, Clone, Copy)]
struct Place {
    city: &'static str,
    /// The state, province, prefecture or region as the country's addresses write it.
    region: Option<&'static str>,
    /// `None` where the country has no postal codes (the UAE).
    postal_code: Option<&'static str>,
    streets: &'static [&'static str],
}

/// How a country writes its business accounts.
#[derive(Debug)]
struct Country {
    code: &'static str,
    places: &'static [Place],
    /// The first address line: `{s}` the street, `{n}` the number, `{m}` a second number.
    line: &'static str,
    /// Range of `{n}`.
    numbers: (u32, u32),
    given_names: &'static [Name],
    family_names: &'static [Name],
    /// Latin-script names are written family name first (Singapore).
    family_first_latin: bool,
    /// Trade names.
    stems: &'static [Name],
    /// Legal forms (`{}` is the trade name): a private limited company, a public or
    /// state-owned one, a charity.
    limited: Name,
    listed: Name,
    charity: Name,
    /// Shapes of the company register number and the tax id (see [`number`]).
    registration: &'static str,
    tax_id: &'static str,
}

fn country(code: &str) -> &'static Country {
    COUNTRIES
        .iter()
        .find(|c| c.code == code)
        .unwrap_or(&COUNTRIES[0])
}

const fn place(
    city: &'static str,
    region: &'static str,
    postal_code: &'static str,
    streets: &'static [&'static str],
) -> Place {
    Place {
        city,
        region: Some(region),
        postal_code: Some(postal_code),
        streets,
    }
}

/// Latin-only names.
macro_rules! latin {
    ($($s:literal),* $(,)?) => { &[$(($s, None)),*] };
}

/// Every country with a marketplace; the first is the fallback.
static COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        places: &[
            place(
                "Seattle",
                "WA",
                "98109",
                &["Westlake Ave N", "Dexter Ave N", "Boren Ave N"],
            ),
            place(
                "Austin",
                "TX",
                "78701",
                &["Congress Ave", "Lavaca St", "W 6th St"],
            ),
            place(
                "Columbus",
                "OH",
                "43215",
                &["N High St", "E Broad St", "S Front St"],
            ),
            place(
                "Denver",
                "CO",
                "80202",
                &["Larimer St", "17th St", "Market St"],
            ),
        ],
        line: "{n} {s}",
        numbers: (100, 2999),
        given_names: latin!["James", "Mary", "Robert", "Jennifer", "Michael", "Linda"],
        family_names: latin!["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller"],
        family_first_latin: false,
        stems: latin![
            "Evergreen Supply",
            "Blue Harbor Goods",
            "Summit Trail Outfitters",
            "Maple Street Trading"
        ],
        limited: ("{} LLC", None),
        listed: ("{} Inc.", None),
        charity: ("{} Foundation", None),
        registration: "#######",
        tax_id: "##-#######",
    },
    Country {
        code: "CA",
        places: &[
            place(
                "Toronto",
                "ON",
                "M5V 2T6",
                &["King St W", "Spadina Ave", "Front St W"],
            ),
            place(
                "Vancouver",
                "BC",
                "V6B 1A1",
                &["W Hastings St", "Granville St", "Seymour St"],
            ),
            place(
                "Montréal",
                "QC",
                "H3B 2Y5",
                &["Rue Sainte-Catherine O", "Rue Peel"],
            ),
        ],
        line: "{n} {s}",
        numbers: (10, 1999),
        given_names: latin!["Liam", "Olivia", "Noah", "Emma", "Étienne", "Chloé"],
        family_names: latin!["Tremblay", "Roy", "Martin", "MacDonald", "Wilson", "Gagnon"],
        family_first_latin: false,
        stems: latin![
            "Northern Pine Goods",
            "Great Lakes Trading",
            "Maple Leaf Supply",
            "Polar Bay Outfitters"
        ],
        limited: ("{} Ltd.", None),
        listed: ("{} Inc.", None),
        charity: ("{} Foundation", None),
        registration: "#######",
        tax_id: "#########RT0001",
    },
    Country {
        code: "MX",
        places: &[
            place(
                "Ciudad de México",
                "CMX",
                "06600",
                &["Paseo de la Reforma", "Calle Hamburgo", "Calle Londres"],
            ),
            place(
                "Guadalajara",
                "JAL",
                "44100",
                &["Av. Juárez", "Calle Pedro Moreno"],
            ),
            place(
                "Monterrey",
                "NLE",
                "64000",
                &["Av. Constitución", "Calle Padre Mier"],
            ),
        ],
        line: "{s} {n}",
        numbers: (10, 999),
        given_names: latin!["José", "María", "Juan", "Guadalupe", "Luis", "Ana"],
        family_names: latin![
            "Hernández",
            "García",
            "Martínez",
            "López",
            "González",
            "Pérez"
        ],
        family_first_latin: false,
        stems: latin![
            "Comercializadora del Valle",
            "Importadora Sol",
            "Distribuidora Azteca",
            "Artesanías Jalisco"
        ],
        limited: ("{}, S. de R.L. de C.V.", None),
        listed: ("{}, S.A.B. de C.V.", None),
        charity: ("Fundación {}, A.C.", None),
        registration: "N-####-######",
        tax_id: "@@@######@@#",
    },
    Country {
        code: "BR",
        places: &[
            place(
                "São Paulo",
                "SP",
                "01310-100",
                &["Avenida Paulista", "Rua Augusta"],
            ),
            place(
                "Rio de Janeiro",
                "RJ",
                "20040-002",
                &["Avenida Rio Branco", "Rua do Ouvidor"],
            ),
            place(
                "Belo Horizonte",
                "MG",
                "30130-000",
                &["Avenida Afonso Pena", "Rua da Bahia"],
            ),
        ],
        line: "{s}, {n}",
        numbers: (10, 2999),
        given_names: latin!["João", "Maria", "Pedro", "Ana", "Lucas", "Juliana"],
        family_names: latin!["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa"],
        family_first_latin: false,
        stems: latin![
            "Comercial Ipê",
            "Distribuidora Tropical",
            "Casa Aurora",
            "Loja Paulista"
        ],
        limited: ("{} Ltda.", None),
        listed: ("{} S.A.", None),
        charity: ("Instituto {}", None),
        registration: "###########",
        tax_id: "##.###.###/0001-##",
    },
    Country {
        code: "GB",
        places: &[
            place(
                "London",
                "Greater London",
                "EC2A 4NE",
                &["Great Eastern Street", "Curtain Road"],
            ),
            place(
                "Manchester",
                "Greater Manchester",
                "M1 4BT",
                &["Portland Street", "Princess Street"],
            ),
            place(
                "Leeds",
                "West Yorkshire",
                "LS1 5AB",
                &["Park Row", "Boar Lane", "Briggate"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 240),
        given_names: latin!["Oliver", "Amelia", "George", "Isla", "Harry", "Emily"],
        family_names: latin!["Smith", "Jones", "Taylor", "Brown", "Evans", "Wilson"],
        family_first_latin: false,
        stems: latin![
            "Thames Valley Trading",
            "Oak & Ivy Goods",
            "Pennine Supplies",
            "Harbour Lane Retail"
        ],
        limited: ("{} Ltd", None),
        listed: ("{} plc", None),
        charity: ("{} Trust", None),
        registration: "########",
        tax_id: "GB#########",
    },
    Country {
        code: "DE",
        places: &[
            place(
                "Berlin",
                "BE",
                "10117",
                &["Friedrichstraße", "Charlottenstraße", "Mohrenstraße"],
            ),
            place(
                "München",
                "BY",
                "80331",
                &["Kaufingerstraße", "Sendlinger Straße", "Rosenstraße"],
            ),
            place(
                "Hamburg",
                "HH",
                "20095",
                &["Mönckebergstraße", "Spitalerstraße", "Steinstraße"],
            ),
            place("Köln", "NW", "50667", &["Hohe Straße", "Schildergasse"]),
        ],
        line: "{s} {n}",
        numbers: (1, 120),
        given_names: latin!["Lukas", "Anna", "Jonas", "Lena", "Felix", "Marie"],
        family_names: latin![
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Wagner"
        ],
        family_first_latin: false,
        stems: latin![
            "Nordlicht Handel",
            "Rheinwerk Versand",
            "Alpenblick Waren",
            "Elbufer Vertrieb"
        ],
        limited: ("{} GmbH", None),
        listed: ("{} AG", None),
        charity: ("{} Stiftung", None),
        registration: "HRB ######",
        tax_id: "DE#########",
    },
    Country {
        code: "FR",
        places: &[
            place(
                "Paris",
                "IDF",
                "75001",
                &["rue de Rivoli", "rue Saint-Honoré", "rue du Louvre"],
            ),
            place(
                "Lyon",
                "ARA",
                "69002",
                &["rue de la République", "rue Victor Hugo"],
            ),
            place(
                "Bordeaux",
                "NAQ",
                "33000",
                &["cours de l'Intendance", "rue Sainte-Catherine"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 180),
        given_names: latin!["Lucas", "Camille", "Hugo", "Léa", "Louis", "Manon"],
        family_names: latin!["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit"],
        family_first_latin: false,
        stems: latin![
            "Maison Lumière",
            "Comptoir des Alpes",
            "Atelier Rivoli",
            "Provence Distribution"
        ],
        limited: ("{} SARL", None),
        listed: ("{} SA", None),
        charity: ("Fondation {}", None),
        registration: "### ### ###",
        tax_id: "FR## #########",
    },
    Country {
        code: "IT",
        places: &[
            place(
                "Milano",
                "MI",
                "20121",
                &["Via Alessandro Manzoni", "Via della Spiga"],
            ),
            place(
                "Roma",
                "RM",
                "00187",
                &["Via del Corso", "Via del Tritone", "Via Condotti"],
            ),
            place("Torino", "TO", "10121", &["Via Roma", "Via Santa Teresa"]),
        ],
        line: "{s}, {n}",
        numbers: (1, 150),
        given_names: latin!["Marco", "Giulia", "Luca", "Francesca", "Matteo", "Chiara"],
        family_names: latin!["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
        family_first_latin: false,
        stems: latin![
            "Bottega Aurora",
            "Emporio Lombardo",
            "Officina Tevere",
            "Commerciale Dolomiti"
        ],
        limited: ("{} S.r.l.", None),
        listed: ("{} S.p.A.", None),
        charity: ("Fondazione {}", None),
        registration: "@@-######",
        tax_id: "IT###########",
    },
    Country {
        code: "ES",
        places: &[
            place(
                "Madrid",
                "M",
                "28013",
                &["Calle Mayor", "Calle del Arenal", "Gran Vía"],
            ),
            place(
                "Barcelona",
                "B",
                "08002",
                &["Carrer de Ferran", "Carrer de la Boqueria"],
            ),
            place(
                "Valencia",
                "V",
                "46002",
                &["Calle de la Paz", "Calle de San Vicente Mártir"],
            ),
        ],
        line: "{s}, {n}",
        numbers: (1, 120),
        given_names: latin!["Alejandro", "Lucía", "Pablo", "María", "Javier", "Carmen"],
        family_names: latin![
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez"
        ],
        family_first_latin: false,
        stems: latin![
            "Comercial Ibérica",
            "Distribuciones Sol",
            "Almacenes del Tajo",
            "Bazar Mediterráneo"
        ],
        limited: ("{} S.L.", None),
        listed: ("{} S.A.", None),
        charity: ("Fundación {}", None),
        registration: "@########",
        tax_id: "ES@########",
    },
    Country {
        code: "NL",
        places: &[
            place(
                "Amsterdam",
                "NH",
                "1012 JS",
                &["Damrak", "Rokin", "Kalverstraat"],
            ),
            place("Rotterdam", "ZH", "3011 AD", &["Coolsingel", "Lijnbaan"]),
            place(
                "Utrecht",
                "UT",
                "3511 LX",
                &["Oudegracht", "Lange Viestraat"],
            ),
        ],
        line: "{s} {n}",
        numbers: (1, 220),
        given_names: latin!["Daan", "Emma", "Sem", "Julia", "Lucas", "Sophie"],
        family_names: latin![
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "Bakker",
            "Visser"
        ],
        family_first_latin: false,
        stems: latin![
            "Handelshuis De Molen",
            "Tulp Retail",
            "Grachten Goederen",
            "Polder Distributie"
        ],
        limited: ("{} B.V.", None),
        listed: ("{} N.V.", None),
        charity: ("Stichting {}", None),
        registration: "########",
        tax_id: "NL#########B01",
    },
    Country {
        code: "SE",
        places: &[
            place(
                "Stockholm",
                "AB",
                "111 52",
                &["Drottninggatan", "Vasagatan", "Klarabergsgatan"],
            ),
            place("Göteborg", "O", "411 06", &["Kungsgatan", "Vallgatan"]),
            place("Malmö", "M", "211 22", &["Södergatan", "Stortorget"]),
        ],
        line: "{s} {n}",
        numbers: (1, 90),
        given_names: latin!["Erik", "Anna", "Lars", "Maria", "Karl", "Elsa"],
        family_names: latin![
            "Andersson",
            "Johansson",
            "Karlsson",
            "Nilsson",
            "Eriksson",
            "Larsson"
        ],
        family_first_latin: false,
        stems: latin![
            "Nordisk Handel",
            "Fjällvaror",
            "Skärgårdens Butik",
            "Vasa Distribution"
        ],
        limited: ("{} AB", None),
        listed: ("{} AB (publ)", None),
        charity: ("Stiftelsen {}", None),
        registration: "55####-####",
        tax_id: "SE##########01",
    },
    Country {
        code: "PL",
        places: &[
            place(
                "Warszawa",
                "MZ",
                "00-024",
                &["ul. Marszałkowska", "ul. Nowy Świat", "ul. Chmielna"],
            ),
            place("Kraków", "MA", "31-011", &["ul. Floriańska", "ul. Grodzka"]),
            place(
                "Poznań",
                "WP",
                "61-772",
                &["ul. Święty Marcin", "ul. Półwiejska"],
            ),
        ],
        line: "{s} {n}",
        numbers: (1, 140),
        given_names: latin!["Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena"],
        family_names: latin!["Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając"],
        family_first_latin: false,
        stems: latin![
            "Handel Wisła",
            "Bursztyn Dystrybucja",
            "Tatry Sklep",
            "Mazurska Hurtownia"
        ],
        limited: ("{} sp. z o.o.", None),
        listed: ("{} S.A.", None),
        charity: ("Fundacja {}", None),
        registration: "KRS 00########",
        tax_id: "PL##########",
    },
    Country {
        code: "BE",
        places: &[
            place(
                "Bruxelles",
                "BRU",
                "1000",
                &["Rue Neuve", "Boulevard Anspach"],
            ),
            place("Antwerpen", "VAN", "2000", &["Meir", "Groenplaats"]),
            place("Gent", "VOV", "9000", &["Veldstraat", "Korenmarkt"]),
        ],
        line: "{s} {n}",
        numbers: (1, 160),
        given_names: latin!["Lucas", "Emma", "Louis", "Olivia", "Arthur", "Louise"],
        family_names: latin!["Peeters", "Janssens", "Maes", "Jacobs", "Dubois", "Lambert"],
        family_first_latin: false,
        stems: latin![
            "Handelshuis Schelde",
            "Comptoir Ardennes",
            "Brabant Distributie",
            "Maison Sablon"
        ],
        limited: ("{} BV", None),
        listed: ("{} NV", None),
        charity: ("Fondation {}", None),
        registration: "0###.###.###",
        tax_id: "BE0#########",
    },
    Country {
        code: "IE",
        places: &[
            place(
                "Dublin",
                "Dublin",
                "D02 YX88",
                &["Grafton Street", "Dawson Street", "Harcourt Street"],
            ),
            place(
                "Cork",
                "Cork",
                "T12 X70A",
                &["Patrick Street", "Oliver Plunkett Street"],
            ),
            place(
                "Galway",
                "Galway",
                "H91 E2K3",
                &["Shop Street", "Dominick Street"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 120),
        given_names: latin!["Seán", "Aoife", "Conor", "Siobhán", "Ciarán", "Niamh"],
        family_names: latin!["Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne", "Ryan"],
        family_first_latin: false,
        stems: latin![
            "Liffey Trading",
            "Shamrock Supplies",
            "Atlantic Way Goods",
            "Emerald Isle Retail"
        ],
        limited: ("{} Limited", None),
        listed: ("{} plc", None),
        charity: ("{} Foundation CLG", None),
        registration: "######",
        tax_id: "IE#######@",
    },
    Country {
        code: "TR",
        places: &[
            place(
                "Şişli",
                "İstanbul",
                "34394",
                &["Büyükdere Caddesi", "Halaskargazi Caddesi"],
            ),
            place(
                "Çankaya",
                "Ankara",
                "06420",
                &["Atatürk Bulvarı", "Tunalı Hilmi Caddesi"],
            ),
            place(
                "Konak",
                "İzmir",
                "35250",
                &["Cumhuriyet Bulvarı", "Kıbrıs Şehitleri Caddesi"],
            ),
        ],
        line: "{s} No:{n}",
        numbers: (1, 250),
        given_names: latin!["Mehmet", "Ayşe", "Mustafa", "Fatma", "Emre", "Zeynep"],
        family_names: latin!["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk"],
        family_first_latin: false,
        stems: latin![
            "Boğaziçi Ticaret",
            "Anadolu Dağıtım",
            "Ege Pazarlama",
            "Kapadokya Ticaret"
        ],
        limited: ("{} Ltd. Şti.", None),
        listed: ("{} A.Ş.", None),
        charity: ("{} Vakfı", None),
        registration: "######",
        tax_id: "##########",
    },
    Country {
        code: "AE",
        // The UAE has no postal codes.
        places: &[
            Place {
                city: "Dubai",
                region: Some("Dubai"),
                postal_code: None,
                streets: &["Sheikh Zayed Road", "Al Wasl Road", "Baniyas Road"],
            },
            Place {
                city: "Abu Dhabi",
                region: Some("Abu Dhabi"),
                postal_code: None,
                streets: &["Corniche Road", "Hamdan Bin Mohammed Street"],
            },
            Place {
                city: "Sharjah",
                region: Some("Sharjah"),
                postal_code: None,
                streets: &["Al Wahda Street", "King Faisal Street"],
            },
        ],
        line: "Building {n}, {s}",
        numbers: (1, 90),
        given_names: &[
            ("Mohammed", Some("محمد")),
            ("Fatima", Some("فاطمة")),
            ("Ahmed", Some("أحمد")),
            ("Mariam", Some("مريم")),
            ("Khalid", Some("خالد")),
            ("Noura", Some("نورة")),
        ],
        family_names: &[
            ("Al Mansoori", Some("المنصوري")),
            ("Al Hashimi", Some("الهاشمي")),
            ("Al Nuaimi", Some("النعيمي")),
            ("Al Suwaidi", Some("السويدي")),
        ],
        family_first_latin: false,
        stems: &[
            ("Al Nakheel Trading", Some("النخيل للتجارة")),
            (
                "Gulf Pearl General Trading",
                Some("لؤلؤة الخليج للتجارة العامة"),
            ),
            ("Desert Rose Trading", Some("وردة الصحراء للتجارة")),
            ("Creek Side Trading", Some("ضفاف الخور للتجارة")),
        ],
        limited: ("{} LLC", Some("{} ذ.م.م")),
        listed: ("{} PJSC", Some("{} ش.م.ع")),
        charity: ("{} Foundation", Some("مؤسسة {}")),
        registration: "#######",
        tax_id: "100###########3",
    },
    Country {
        code: "SA",
        places: &[
            place(
                "Riyadh",
                "Riyadh",
                "12211",
                &["King Fahd Road", "Olaya Street", "Tahlia Street"],
            ),
            place(
                "Jeddah",
                "Makkah",
                "23431",
                &["Prince Sultan Road", "Madinah Road"],
            ),
            place(
                "Dammam",
                "Eastern Province",
                "32241",
                &["King Saud Street", "Prince Mohammed bin Fahd Road"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1000, 9999),
        given_names: &[
            ("Abdullah", Some("عبدالله")),
            ("Nora", Some("نورة")),
            ("Faisal", Some("فيصل")),
            ("Sara", Some("سارة")),
            ("Omar", Some("عمر")),
            ("Reem", Some("ريم")),
        ],
        family_names: &[
            ("Al-Qahtani", Some("القحطاني")),
            ("Al-Otaibi", Some("العتيبي")),
            ("Al-Ghamdi", Some("الغامدي")),
            ("Al-Harbi", Some("الحربي")),
        ],
        family_first_latin: false,
        stems: &[
            ("Al Waha Trading", Some("الواحة للتجارة")),
            ("Najd Commercial", Some("نجد التجارية")),
            ("Al Yamamah Trading", Some("اليمامة للتجارة")),
            ("Red Sea Trading", Some("البحر الأحمر للتجارة")),
        ],
        limited: ("{} Co. Ltd.", Some("شركة {} المحدودة")),
        listed: ("{} Company", Some("شركة {} المساهمة")),
        charity: ("{} Charitable Foundation", Some("مؤسسة {} الخيرية")),
        registration: "10########",
        tax_id: "3#############3",
    },
    Country {
        code: "EG",
        places: &[
            place(
                "Cairo",
                "C",
                "11511",
                &["Tahrir Street", "Talaat Harb Street", "Qasr El Nil Street"],
            ),
            place("Giza", "GZ", "12611", &["Pyramids Road", "Nile Street"]),
            place(
                "Alexandria",
                "ALX",
                "21519",
                &["El Horreya Road", "Fouad Street"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 120),
        given_names: &[
            ("Mohamed", Some("محمد")),
            ("Nour", Some("نور")),
            ("Ahmed", Some("أحمد")),
            ("Mona", Some("منى")),
            ("Youssef", Some("يوسف")),
            ("Salma", Some("سلمى")),
        ],
        family_names: &[
            ("Hassan", Some("حسن")),
            ("Ibrahim", Some("إبراهيم")),
            ("Mahmoud", Some("محمود")),
            ("Abdel Aziz", Some("عبد العزيز")),
        ],
        family_first_latin: false,
        stems: &[
            ("Nile Valley Trading", Some("وادي النيل للتجارة")),
            ("Al Ahram Trading", Some("الأهرام للتجارة")),
            ("Delta Commercial", Some("الدلتا التجارية")),
            ("Lotus Trading", Some("اللوتس للتجارة")),
        ],
        limited: ("{} LLC", Some("{} ش.ذ.م.م")),
        listed: ("{} S.A.E.", Some("{} ش.م.م")),
        charity: ("{} Foundation", Some("مؤسسة {}")),
        registration: "######",
        tax_id: "###-###-###",
    },
    Country {
        code: "IN",
        places: &[
            place(
                "Bengaluru",
                "KA",
                "560001",
                &["MG Road", "Brigade Road", "Residency Road"],
            ),
            place(
                "Mumbai",
                "MH",
                "400001",
                &["Dadabhai Naoroji Road", "Veer Nariman Road"],
            ),
            place("New Delhi", "DL", "110001", &["Barakhamba Road", "Janpath"]),
        ],
        line: "{n}, {s}",
        numbers: (1, 250),
        given_names: latin!["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya"],
        family_names: latin!["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Singh"],
        family_first_latin: false,
        stems: latin![
            "Ganga Retail",
            "Lotus Traders",
            "Deccan Supplies",
            "Himalaya Enterprises"
        ],
        limited: ("{} Private Limited", None),
        listed: ("{} Limited", None),
        charity: ("{} Foundation", None),
        registration: "U#####@@####PTC######",
        tax_id: "##@@@@@####@#Z#",
    },
    Country {
        code: "ZA",
        places: &[
            place(
                "Johannesburg",
                "GP",
                "2196",
                &["Rivonia Road", "West Street", "Maude Street"],
            ),
            place(
                "Cape Town",
                "WC",
                "8001",
                &["Long Street", "Bree Street", "Loop Street"],
            ),
            place(
                "Durban",
                "KZN",
                "4001",
                &["Florida Road", "Anton Lembede Street"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 300),
        given_names: latin!["Thabo", "Lerato", "Johan", "Anika", "Sipho", "Naledi"],
        family_names: latin![
            "Nkosi",
            "Dlamini",
            "van der Merwe",
            "Botha",
            "Naidoo",
            "Mokoena"
        ],
        family_first_latin: false,
        stems: latin![
            "Table Mountain Traders",
            "Baobab Goods",
            "Highveld Supplies",
            "Karoo Trading"
        ],
        limited: ("{} (Pty) Ltd", None),
        listed: ("{} Ltd", None),
        charity: ("{} Trust", None),
        registration: "20##/######/07",
        tax_id: "4#########",
    },
    Country {
        code: "JP",
        // Japanese addresses are written in Japanese: the prefecture, the city or ward, the
        // district and block, then building and house numbers.
        places: &[
            place("渋谷区", "東京都", "150-0041", &["神南1丁目", "神南2丁目"]),
            place(
                "大阪市北区",
                "大阪府",
                "530-0001",
                &["梅田1丁目", "梅田2丁目", "梅田3丁目"],
            ),
            place(
                "名古屋市中村区",
                "愛知県",
                "450-0002",
                &["名駅1丁目", "名駅3丁目", "名駅4丁目"],
            ),
        ],
        line: "{s}{n}-{m}",
        numbers: (1, 25),
        given_names: &[
            ("Taro", Some("太郎")),
            ("Hanako", Some("花子")),
            ("Hiroshi", Some("浩")),
            ("Yuki", Some("由紀")),
            ("Kenji", Some("健二")),
            ("Aiko", Some("愛子")),
        ],
        family_names: &[
            ("Sato", Some("佐藤")),
            ("Suzuki", Some("鈴木")),
            ("Takahashi", Some("高橋")),
            ("Tanaka", Some("田中")),
            ("Watanabe", Some("渡辺")),
            ("Yamada", Some("山田")),
        ],
        family_first_latin: false,
        stems: &[
            ("Sakura Shoji", Some("さくら商事")),
            ("Fuji Bussan", Some("富士物産")),
            ("Aoba Shoten", Some("青葉商店")),
            ("Kaede Trading", Some("かえでトレーディング")),
        ],
        limited: ("{} Co., Ltd.", Some("{}株式会社")),
        listed: ("{} Corporation", Some("{}株式会社")),
        charity: ("{} Foundation", Some("一般財団法人{}")),
        registration: "#############",
        tax_id: "T#############",
    },
    Country {
        code: "AU",
        places: &[
            place(
                "Sydney",
                "NSW",
                "2000",
                &["George Street", "Pitt Street", "Kent Street"],
            ),
            place(
                "Melbourne",
                "VIC",
                "3000",
                &["Collins Street", "Bourke Street", "Swanston Street"],
            ),
            place(
                "Brisbane",
                "QLD",
                "4000",
                &["Queen Street", "Adelaide Street"],
            ),
        ],
        line: "{n} {s}",
        numbers: (1, 400),
        given_names: latin!["Jack", "Charlotte", "William", "Olivia", "Thomas", "Mia"],
        family_names: latin!["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor"],
        family_first_latin: false,
        stems: latin![
            "Southern Cross Trading",
            "Wattle & Co Supplies",
            "Coral Coast Goods",
            "Outback Provisions"
        ],
        limited: ("{} Pty Ltd", None),
        listed: ("{} Limited", None),
        charity: ("{} Foundation", None),
        registration: "### ### ###",
        tax_id: "## ### ### ###",
    },
    Country {
        code: "SG",
        // A city-state: no region; postal codes name the building.
        places: &[
            Place {
                city: "Singapore",
                region: None,
                postal_code: Some("079903"),
                streets: &["Anson Road"],
            },
            Place {
                city: "Singapore",
                region: None,
                postal_code: Some("238859"),
                streets: &["Orchard Road"],
            },
            Place {
                city: "Singapore",
                region: None,
                postal_code: Some("188778"),
                streets: &["North Bridge Road"],
            },
        ],
        line: "{n} {s}",
        numbers: (1, 400),
        given_names: latin![
            "Wei Ming", "Hui Min", "Jun Jie", "Xin Yi", "Zhi Hao", "Li Ting"
        ],
        family_names: latin!["Tan", "Lim", "Lee", "Ng", "Wong", "Goh"],
        family_first_latin: true,
        stems: latin![
            "Merlion Trading",
            "Orchid Supplies",
            "Straits Commerce",
            "Lion City Goods"
        ],
        limited: ("{} Pte. Ltd.", None),
        listed: ("{} Limited", None),
        charity: ("{} Foundation", None),
        registration: "20#######@",
        tax_id: "20#######@",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::marketplaces::MARKETPLACES;

    #[test]
    fn every_marketplace_country_has_its_own_profile() {
        for mp in MARKETPLACES {
            assert_eq!(country(mp.country_code).code, mp.country_code, "{}", mp.id);
        }
    }

    #[test]
    fn derived_accounts_are_stable_valid_and_in_country() {
        for mp in MARKETPLACES {
            for n in 0..40 {
                let id = format!("A{n:013}");
                let a = derive(&id, mp.country_code);
                assert_eq!(a, derive(&id, mp.country_code));
                check(&a).unwrap();
                let b = a.business.as_ref().unwrap();
                let c = a.primary_contact.as_ref().unwrap();
                for addr in [&b.registered_business_address, &c.address] {
                    assert_eq!(addr.country_code, mp.country_code);
                    assert!(addr.city.is_some());
                    assert!(!addr.address_line1.contains('{'), "{}", addr.address_line1);
                }
                assert!(!b.name.contains("{}"), "{}", b.name);
                let non_latin = matches!(mp.country_code, "JP" | "AE" | "SA" | "EG");
                assert_eq!(c.non_latin_name.is_some(), non_latin, "{c:?}");
                if a.business_type.as_str() == "INDIVIDUAL" {
                    assert_eq!(b.company_registration_number, None);
                    assert_eq!(b.company_tax_identification_number, None);
                }
            }
        }
    }

    #[test]
    fn sellers_differ() {
        let accounts: std::collections::HashSet<String> = (0..20)
            .map(|n| {
                let a = derive(&format!("A{n:013}"), "DE");
                serde_json::to_string(&a).unwrap()
            })
            .collect();
        assert!(accounts.len() > 15, "{}", accounts.len());
    }

    #[test]
    fn numbers_follow_their_shape() {
        let mut rng = super::super::world::rng_for(1, "t");
        let n = number(&mut rng, "DE#########");
        assert!(n.starts_with("DE") && n.len() == 11);
        assert!(n[2..].bytes().all(|b| b.is_ascii_digit()));
        let n = number(&mut rng, "@@-#");
        assert!(n.as_bytes()[0].is_ascii_uppercase() && n.as_bytes()[2] == b'-');
    }
}
