//! Brazil's electronic invoice (NF-e, layout 4.00) as far as spapi needs it: tax ids with their
//! check digits (CNPJ, CPF), the 44-digit access key, the XML of an invoice of an order, and a
//! reader of the parts of a submitted NF-e that Shipment Invoicing checks.

use quick_xml::events::Event;
use sha2::{Digest, Sha256};

/// São Paulo's IBGE state code: spapi's Brazilian sellers emit from São Paulo.
const UF_SP: &str = "35";
/// São Paulo city's IBGE municipality code.
const MUNICIPALITY_SP: &str = "3550308";
/// The NF-e model code.
pub const MODEL_NFE: &str = "55";

/// `n` decimal digits derived from `label`.
pub fn digits(label: &str, n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut round = 0u32;
    while out.len() < n {
        let d = Sha256::digest(format!("{label}#{round}").as_bytes());
        for b in d.iter() {
            if out.len() == n {
                break;
            }
            // Bytes 250..=255 would bias the digits.
            if *b < 250 {
                out.push((b'0' + b % 10) as char);
            }
        }
        round += 1;
    }
    out
}

fn weighted_mod11(ds: &str, weights: &[u32]) -> u32 {
    let sum: u32 = ds
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let r = sum % 11;
    if r < 2 { 0 } else { 11 - r }
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A CNPJ (14 digits) with its two check digits, from its 12-digit base.
pub fn cnpj_from_base(base12: &str) -> String {
    let d1 = weighted_mod11(base12, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let with1 = format!("{base12}{d1}");
    let d2 = weighted_mod11(&with1, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    format!("{with1}{d2}")
}

/// Whether `s` is a CNPJ of 14 digits with valid check digits (not all one digit).
pub fn valid_cnpj(s: &str) -> bool {
    all_digits(s, 14) && !s.bytes().all(|b| b == s.as_bytes()[0]) && cnpj_from_base(&s[..12]) == s
}

/// A CPF (11 digits) with its two check digits, from its 9-digit base.
pub fn cpf_from_base(base9: &str) -> String {
    let d1 = weighted_mod11(base9, &[10, 9, 8, 7, 6, 5, 4, 3, 2]);
    let with1 = format!("{base9}{d1}");
    let d2 = weighted_mod11(&with1, &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    format!("{with1}{d2}")
}

/// Whether `s` is a CPF of 11 digits with valid check digits (not all one digit).
pub fn valid_cpf(s: &str) -> bool {
    all_digits(s, 11) && !s.bytes().all(|b| b == s.as_bytes()[0]) && cpf_from_base(&s[..9]) == s
}

/// The CNPJ spapi gives a seller as the emitter of its NF-e (head office `0001`).
// The seller account (Sellers API) shows a registration number of its own; the NF-e emitter's
// CNPJ is derived here so that it always carries valid check digits.
pub fn seller_cnpj(seller_id: &str) -> String {
    cnpj_from_base(&format!("{}0001", digits(&format!("cnpj:{seller_id}"), 8)))
}

/// The seller's state registration (Inscrição Estadual, São Paulo's 12 digits).
pub fn seller_ie(seller_id: &str) -> String {
    digits(&format!("ie:{seller_id}"), 12)
}

/// The CPF of an order's buyer.
pub fn buyer_cpf(order_id: &str) -> String {
    cpf_from_base(&digits(&format!("cpf:{order_id}"), 9))
}

/// Amazon's Brazilian company (the marketplace's tax registration).
pub const AMAZON_BR_NAME: &str = "Amazon Serviços de Varejo do Brasil Ltda.";

/// The CNPJ of Amazon's Brazilian company (valid check digits).
pub fn amazon_cnpj() -> String {
    cnpj_from_base("154369400001")
}

/// The check digit of an access key's first 43 digits (modulus 11, weights 2..9 from the
/// right; 0 when the remainder leaves 0 or 1).
pub fn access_key_dv(key43: &str) -> u32 {
    let sum: u32 = key43
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * (2 + (i as u32 % 8)))
        .sum();
    let r = sum % 11;
    if r < 2 { 0 } else { 11 - r }
}

/// Whether `key` is 44 digits whose last is the check digit of the others.
pub fn valid_access_key(key: &str) -> bool {
    all_digits(key, 44) && access_key_dv(&key[..43]) == u32::from(key.as_bytes()[43] - b'0')
}

/// The access key of an NF-e: state, year and month of issue (`yymm`), emitter CNPJ, model 55,
/// series (3 digits), number (9 digits), emission type 1, the random code `cNF` (8 digits) and
/// the check digit.
pub fn access_key(yymm: &str, cnpj: &str, series: &str, number: i64, code: &str) -> String {
    let key43 = format!(
        "{UF_SP}{yymm}{cnpj}{MODEL_NFE}{:0>3}{:0>9}1{code}",
        series,
        number % 1_000_000_000
    );
    format!("{key43}{}", access_key_dv(&key43))
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The seller SKU (`cProd`).
    pub sku: String,
    /// The title (`xProd`).
    pub title: String,
    /// Units (`qCom`).
    pub quantity: i64,
    /// The line's amount (`vProd`), centavos.
    pub amount: i64,
    /// Freight (`vFrete`), centavos.
    pub freight: i64,
    /// Discount (`vDesc`), centavos.
    pub discount: i64,
}

/// An NF-e to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// The 44-digit access key.
    pub key: String,
    /// Series.
    pub series: String,
    /// Number.
    pub number: String,
    /// Issue time (`dhEmi`), ISO 8601.
    pub issued_at: String,
    /// The emitter's CNPJ.
    pub emitter_cnpj: String,
    /// The emitter's name.
    pub emitter_name: String,
    /// The emitter's state registration.
    pub emitter_ie: String,
    /// The recipient's CPF (11 digits) or CNPJ (14 digits).
    pub buyer_tax_id: String,
    /// The buyer's name.
    pub buyer_name: String,
    /// The buyer's state (UF).
    pub buyer_state: String,
    /// The buyer's city.
    pub buyer_city: String,
    /// The nature of the operation (`natOp`).
    pub nature: String,
    /// The CFOP of every line (`None`: a sale, [`cfop`] of the recipient's state).
    pub cfop: Option<String>,
    /// The lines.
    pub lines: Vec<Line>,
    /// `100` authorized, or SEFAZ's rejection code.
    pub status_code: String,
    /// SEFAZ's reason text.
    pub status_text: String,
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn dec(centavos: i64) -> String {
    let sign = if centavos < 0 { "-" } else { "" };
    let c = centavos.abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Tax rates of a sale from São Paulo to `state`, in hundredths of a percent: ICMS (18% inside
/// the state, 12% to another), PIS 1.65%, COFINS 7.60% (non-cumulative regime); IPI 0 (a
/// reseller, not an industrial establishment).
fn rates(state: &str) -> (i64, i64, i64) {
    let icms = if state.eq_ignore_ascii_case("SP") {
        1800
    } else {
        1200
    };
    (icms, 165, 760)
}

fn pct(base: i64, rate: i64) -> i64 {
    (base * rate + 5000) / 10000
}

/// The CFOP of a sale of goods bought for resale to a final consumer: 5102 inside São Paulo,
/// 6108 to a non-contributor in another state.
pub fn cfop(state: &str) -> &'static str {
    if state.eq_ignore_ascii_case("SP") {
        "5102"
    } else {
        "6108"
    }
}

/// The NF-e with its authorization protocol (`nfeProc`), as XML.
pub fn render(inv: &Invoice) -> String {
    let (icms_rate, pis_rate, cofins_rate) = rates(&inv.buyer_state);
    let interstate = !inv.buyer_state.eq_ignore_ascii_case("SP");
    let mut det = String::new();
    let (mut t_prod, mut t_frete, mut t_desc, mut t_icms, mut t_pis, mut t_cofins) =
        (0, 0, 0, 0, 0, 0);
    for (i, l) in inv.lines.iter().enumerate() {
        let base = l.amount + l.freight - l.discount;
        let (icms, pis, cofins) = (
            pct(base, icms_rate),
            pct(base, pis_rate),
            pct(base, cofins_rate),
        );
        t_prod += l.amount;
        t_frete += l.freight;
        t_desc += l.discount;
        t_icms += icms;
        t_pis += pis;
        t_cofins += cofins;
        let unit = if l.quantity > 0 {
            l.amount / l.quantity
        } else {
            l.amount
        };
        det.push_str(&format!(
            "<det nItem=\"{n}\"><prod><cProd>{sku}</cProd><cEAN>SEM GTIN</cEAN><xProd>{title}</xProd>\
<NCM>85176299</NCM><CFOP>{cfop}</CFOP><uCom>UN</uCom><qCom>{q}.0000</qCom><vUnCom>{unit}</vUnCom>\
<vProd>{vprod}</vProd><cEANTrib>SEM GTIN</cEANTrib><uTrib>UN</uTrib><qTrib>{q}.0000</qTrib>\
<vUnTrib>{unit}</vUnTrib>{frete}{desc}<indTot>1</indTot></prod>\
<imposto><ICMS><ICMS00><orig>0</orig><CST>00</CST><modBC>3</modBC><vBC>{base}</vBC>\
<pICMS>{picms}</pICMS><vICMS>{vicms}</vICMS></ICMS00></ICMS>\
<IPI><cEnq>999</cEnq><IPINT><CST>53</CST></IPINT></IPI>\
<PIS><PISAliq><CST>01</CST><vBC>{base}</vBC><pPIS>{ppis}</pPIS><vPIS>{vpis}</vPIS></PISAliq></PIS>\
<COFINS><COFINSAliq><CST>01</CST><vBC>{base}</vBC><pCOFINS>{pcofins}</pCOFINS>\
<vCOFINS>{vcofins}</vCOFINS></COFINSAliq></COFINS></imposto></det>",
            n = i + 1,
            sku = escape(&l.sku),
            title = escape(&l.title),
            cfop = inv.cfop.clone().unwrap_or_else(|| cfop(&inv.buyer_state).to_string()),
            q = l.quantity,
            unit = dec(unit),
            vprod = dec(l.amount),
            frete = if l.freight > 0 {
                format!("<vFrete>{}</vFrete>", dec(l.freight))
            } else {
                String::new()
            },
            desc = if l.discount > 0 {
                format!("<vDesc>{}</vDesc>", dec(l.discount))
            } else {
                String::new()
            },
            base = dec(base),
            picms = dec(icms_rate),
            vicms = dec(icms),
            ppis = dec(pis_rate),
            vpis = dec(pis),
            pcofins = dec(cofins_rate),
            vcofins = dec(cofins),
        ));
    }
    let v_nf = t_prod + t_frete - t_desc;
    let code = &inv.key[35..43];
    let dv = &inv.key[43..];
    let protocol = format!("1{}", &digits(&format!("prot:{}", inv.key), 14));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<nfeProc xmlns=\"http://www.portalfiscal.inf.br/nfe\" versao=\"4.00\">\
<NFe xmlns=\"http://www.portalfiscal.inf.br/nfe\"><infNFe Id=\"NFe{key}\" versao=\"4.00\">\
<ide><cUF>{UF_SP}</cUF><cNF>{code}</cNF><natOp>{nature}</natOp>\
<mod>{MODEL_NFE}</mod><serie>{serie}</serie><nNF>{nnf}</nNF><dhEmi>{dh}</dhEmi><tpNF>1</tpNF>\
<idDest>{iddest}</idDest><cMunFG>{MUNICIPALITY_SP}</cMunFG><tpImp>1</tpImp><tpEmis>1</tpEmis>\
<cDV>{dv}</cDV><tpAmb>2</tpAmb><finNFe>1</finNFe><indFinal>1</indFinal><indPres>2</indPres>\
<procEmi>0</procEmi><verProc>spapi</verProc></ide>\
<emit><CNPJ>{ecnpj}</CNPJ><xNome>{ename}</xNome><enderEmit><xLgr>Avenida Paulista</xLgr><nro>1000</nro>\
<xBairro>Bela Vista</xBairro><cMun>{MUNICIPALITY_SP}</cMun><xMun>São Paulo</xMun><UF>SP</UF>\
<CEP>01310100</CEP><cPais>1058</cPais><xPais>Brasil</xPais></enderEmit><IE>{eie}</IE><CRT>3</CRT></emit>\
<dest><{tag}>{cpf}</{tag}><xNome>{bname}</xNome><enderDest><xMun>{bcity}</xMun><UF>{buf}</UF>\
<cPais>1058</cPais><xPais>Brasil</xPais></enderDest><indIEDest>9</indIEDest></dest>\
{det}<total><ICMSTot><vBC>{vbc}</vBC><vICMS>{vicms}</vICMS><vICMSDeson>0.00</vICMSDeson>\
<vFCP>0.00</vFCP><vBCST>0.00</vBCST><vST>0.00</vST><vFCPST>0.00</vFCPST><vFCPSTRet>0.00</vFCPSTRet>\
<vProd>{vprod}</vProd><vFrete>{vfrete}</vFrete><vSeg>0.00</vSeg><vDesc>{vdesc}</vDesc><vII>0.00</vII>\
<vIPI>0.00</vIPI><vIPIDevol>0.00</vIPIDevol><vPIS>{vpis}</vPIS><vCOFINS>{vcofins}</vCOFINS>\
<vOutro>0.00</vOutro><vNF>{vnf}</vNF></ICMSTot></total><transp><modFrete>0</modFrete></transp>\
<pag><detPag><tPag>99</tPag><vPag>{vnf}</vPag></detPag></pag></infNFe></NFe>\
<protNFe versao=\"4.00\"><infProt><tpAmb>2</tpAmb><verAplic>spapi</verAplic><chNFe>{key}</chNFe>\
<dhRecbto>{dh}</dhRecbto><nProt>{protocol}</nProt><cStat>{cstat}</cStat><xMotivo>{xmotivo}</xMotivo>\
</infProt></protNFe></nfeProc>\n",
        key = inv.key,
        serie = escape(&inv.series),
        nnf = escape(&inv.number),
        dh = inv.issued_at,
        iddest = if interstate { 2 } else { 1 },
        ecnpj = inv.emitter_cnpj,
        ename = escape(&inv.emitter_name),
        eie = inv.emitter_ie,
        cpf = inv.buyer_tax_id,
        tag = if inv.buyer_tax_id.len() == 14 {
            "CNPJ"
        } else {
            "CPF"
        },
        nature = escape(&inv.nature),
        bname = escape(&inv.buyer_name),
        bcity = escape(&inv.buyer_city),
        buf = escape(&inv.buyer_state),
        vbc = dec(t_prod + t_frete - t_desc),
        vicms = dec(t_icms),
        vprod = dec(t_prod),
        vfrete = dec(t_frete),
        vdesc = dec(t_desc),
        vpis = dec(t_pis),
        vcofins = dec(t_cofins),
        vnf = dec(v_nf),
        cstat = escape(&inv.status_code),
        xmotivo = escape(&inv.status_text),
    )
}

/// What Shipment Invoicing reads from a submitted NF-e.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Submitted {
    /// The access key from `infNFe/@Id` (without its `NFe` prefix).
    pub key: String,
    /// `ide/mod`.
    pub model: String,
    /// `ide/serie`.
    pub series: String,
    /// `ide/nNF`.
    pub number: String,
    /// `emit/CNPJ` (or `emit/CPF`).
    pub emitter_tax_id: String,
    /// `dest/CPF` or `dest/CNPJ`.
    pub buyer_tax_id: String,
    /// `det/prod`: (cProd, qCom, vProd).
    pub items: Vec<(String, String, String)>,
    /// `total/ICMSTot/vNF`.
    pub total: String,
}

/// Reads a submitted NF-e (an `NFe` or an `nfeProc`); the error says why it is no NF-e.
pub fn read_submitted(xml: &str) -> Result<Submitted, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Submitted::default();
    let mut saw_inf = false;
    // Text of the innermost element: quick-xml reports entity references (`&amp;`) apart.
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Err(e) => {
                return Err(format!(
                    "The NF-e is not well-formed XML at byte {}: {e}",
                    reader.buffer_position()
                ));
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "infNFe" {
                    saw_inf = true;
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == b"Id" {
                            let v = String::from_utf8_lossy(&a.value).into_owned();
                            out.key = v.trim_start_matches("NFe").to_string();
                        }
                    }
                }
                if name == "det" && path.last().map(String::as_str) == Some("infNFe") {
                    out.items.push(Default::default());
                }
                path.push(name);
                text.clear();
            }
            Ok(Event::Text(t)) => {
                text.push_str(&t.decode().map_err(|e| format!("bad text: {e}"))?);
            }
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                let c = match name.as_ref() {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                match c {
                    Some(c) => text.push(c),
                    None => return Err(format!("The NF-e uses an unknown entity &{name};")),
                }
            }
            Ok(Event::End(_)) => {
                let value = text.trim().to_string();
                text.clear();
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                let tail = |n: usize| -> Vec<&str> { p[p.len().saturating_sub(n)..].to_vec() };
                match tail(2).as_slice() {
                    ["ide", "mod"] => out.model = value,
                    ["ide", "serie"] => out.series = value,
                    ["ide", "nNF"] => out.number = value,
                    ["emit", "CNPJ"] | ["emit", "CPF"] => out.emitter_tax_id = value,
                    ["dest", "CPF"] | ["dest", "CNPJ"] => out.buyer_tax_id = value,
                    ["ICMSTot", "vNF"] => out.total = value,
                    ["prod", field] if tail(3).first() == Some(&"det") => {
                        if let Some(item) = out.items.last_mut() {
                            match *field {
                                "cProd" => item.0 = value,
                                "qCom" => item.1 = value,
                                "vProd" => item.2 = value,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                path.pop();
            }
            Ok(_) => {}
        }
    }
    if !saw_inf {
        return Err("The document is no NF-e: it has no infNFe element.".into());
    }
    Ok(out)
}

/// A decimal amount of the XML (`12.34`) in centavos.
pub fn centavos(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 10 {
        return None;
    }
    let mut f = frac.to_string();
    while f.len() < 2 {
        f.push('0');
    }
    let cents: i64 = f[..2].parse().ok()?;
    let rest_rounds_up = f.as_bytes().get(2).is_some_and(|b| *b >= b'5');
    let int: i64 = int.parse().ok()?;
    Some(int.checked_mul(100)? + cents + i64::from(rest_rounds_up))
}

/// A decimal quantity of the XML (`2.0000`) as whole units.
pub fn units(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_ids_carry_valid_check_digits() {
        // Published examples of the algorithms.
        assert_eq!(cnpj_from_base("112223330001"), "11222333000181");
        assert_eq!(cpf_from_base("111444777"), "11144477735");
        assert!(valid_cnpj(&seller_cnpj("A1B2C3")));
        assert!(valid_cpf(&buyer_cpf("701-1234567-1234567")));
        assert!(!valid_cpf("11111111111"));
        assert!(!valid_cnpj("11222333000180"));
    }

    #[test]
    fn access_keys_check() {
        let k = access_key("2412", &seller_cnpj("S"), "1", 42, "12345678");
        assert_eq!(k.len(), 44);
        assert!(valid_access_key(&k));
        let mut bad = k.clone().into_bytes();
        bad[43] = if bad[43] == b'9' { b'0' } else { bad[43] + 1 };
        assert!(!valid_access_key(&String::from_utf8(bad).unwrap()));
    }

    #[test]
    fn rendered_invoices_read_back() {
        let key = access_key("2412", &seller_cnpj("S"), "2", 7, "00000001");
        let xml = render(&Invoice {
            key: key.clone(),
            series: "2".into(),
            number: "7".into(),
            issued_at: "2024-12-01T10:00:00Z".into(),
            emitter_cnpj: seller_cnpj("S"),
            emitter_name: "Loja & Cia".into(),
            emitter_ie: seller_ie("S"),
            buyer_tax_id: buyer_cpf("o"),
            nature: "Venda".into(),
            cfop: None,
            buyer_name: "Ana".into(),
            buyer_state: "RJ".into(),
            buyer_city: "Rio".into(),
            lines: vec![Line {
                sku: "SKU<1>".into(),
                title: "T".into(),
                quantity: 2,
                amount: 2000,
                freight: 150,
                discount: 100,
            }],
            status_code: "100".into(),
            status_text: "Autorizado o uso da NF-e".into(),
        });
        let r = read_submitted(&xml).unwrap();
        assert_eq!(r.key, key);
        assert_eq!(r.model, "55");
        assert_eq!(
            r.items,
            vec![("SKU<1>".into(), "2.0000".into(), "20.00".into())]
        );
        assert_eq!(centavos(&r.total), Some(2050));
        assert!(read_submitted("<a><b></a>").is_err());
        assert!(read_submitted("<a/>").is_err());
    }
}
