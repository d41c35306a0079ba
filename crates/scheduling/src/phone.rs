//! [`Phone`]: a phone number in E.164 (`+14155550100`), parsed once from the way people
//! write international numbers.
//!
//! It owns the reading of the number only: it knows no country's numbering plan (so it does
//! not check that a number exists), and it never guesses a country for a number written
//! without one.

use std::fmt;

/// A phone number in E.164: `+`, then 8 to 15 digits, the first not 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

const EXAMPLE: &str = "e.g. +1 415 555 0100";
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

impl Phone {
    /// Reads an international number: `+` or `00`, then digits, with spaces, dots, dashes,
    /// parentheses and slashes between them (`+1 (415) 555-0100`, `0049 30 1234567`). A
    /// trunk prefix written `(0)` after the country code is dropped (`+44 (0)20 7946 0958`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(format!(
                "enter a phone number with its country code, {EXAMPLE}"
            ));
        }
        let Some(rest) = text.strip_prefix('+').or_else(|| text.strip_prefix("00")) else {
            return Err(format!("include the country code, {EXAMPLE}"));
        };
        let digits = digits(rest)?;
        if digits.starts_with('0') {
            return Err(format!(
                "a country code never starts with 0; write it after the + or 00, {EXAMPLE}"
            ));
        }
        if digits.len() < MIN_DIGITS {
            return Err(format!(
                "this number is too short: with its country code it has {MIN_DIGITS} to \
                 {MAX_DIGITS} digits, {EXAMPLE}"
            ));
        }
        if digits.len() > MAX_DIGITS {
            return Err(format!(
                "this number is too long: with its country code it has at most {MAX_DIGITS} \
                 digits; leave out any extension"
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The digits after the international prefix, without separators and without a `(0)`
/// trunk prefix that follows the country code.
fn digits(rest: &str) -> Result<String, String> {
    let mut digits = String::with_capacity(rest.len());
    let mut group: Option<String> = None;
    for c in rest.chars() {
        match c {
            '0'..='9' => group.as_mut().unwrap_or(&mut digits).push(c),
            '(' if group.is_none() => group = Some(String::new()),
            ')' => {
                let inner = group.take().ok_or_else(unbalanced)?;
                // "(0)" after the country code is the national trunk prefix: dialled at
                // home, never from abroad.
                let trunk_prefix = inner == "0" && !digits.is_empty();
                if !trunk_prefix {
                    digits.push_str(&inner);
                }
            }
            '(' => return Err(unbalanced()),
            c if is_separator(c) => {}
            c if c.is_alphabetic() => {
                return Err(format!(
                    "a phone number has no letters: write it with digits, {EXAMPLE}"
                ));
            }
            c => {
                return Err(format!(
                    "{c:?} does not belong in a phone number: use digits, with spaces, dots, \
                     dashes, parentheses or slashes between them, {EXAMPLE}"
                ));
            }
        }
    }
    if group.is_some() {
        return Err(unbalanced());
    }
    Ok(digits)
}

fn unbalanced() -> String {
    format!("the parentheses in this number do not match, {EXAMPLE}")
}

/// Spaces (any kind, as pasted), dots, slashes, and dashes (any kind, as word processors
/// turn `-` into `–`).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | '/' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(text: &str) -> String {
        Phone::parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .to_string()
    }

    fn error(text: &str) -> String {
        Phone::parse(text).unwrap_err()
    }

    #[test]
    fn numbers_written_as_people_write_them_become_e164() {
        assert_eq!(e164("+1 (415) 555-0100"), "+14155550100");
        assert_eq!(e164("0049 30 1234567"), "+49301234567");
        assert_eq!(e164("+49 30/123 45 67"), "+49301234567");
        assert_eq!(e164("+33.1.23.45.67.89"), "+33123456789");
        assert_eq!(e164("  +14155550100 "), "+14155550100");
        assert_eq!(e164("+1\u{a0}415\u{2013}555\u{2013}0100"), "+14155550100");
        assert_eq!(e164("+ 44 20 7946 0958"), "+442079460958");
    }

    #[test]
    fn a_trunk_zero_in_parentheses_after_the_country_code_is_dropped() {
        assert_eq!(e164("+44 (0)20 7946 0958"), "+442079460958");
        assert_eq!(e164("+49 (0) 30 1234567"), "+49301234567");
        assert_eq!(e164("0044(0)2079460958"), "+442079460958");
    }

    #[test]
    fn other_parentheses_keep_their_digits() {
        assert_eq!(e164("+1 (415) 555 0100"), "+14155550100");
        assert_eq!(e164("+44 (020) 7946 0958"), "+4402079460958");
    }

    #[test]
    fn as_str_and_display_agree() {
        let phone = Phone::parse("+1 415 555 0100").unwrap();
        assert_eq!(phone.as_str(), "+14155550100");
        assert_eq!(phone.to_string(), phone.as_str());
    }

    #[test]
    fn a_number_without_an_international_prefix_asks_for_the_country_code() {
        for text in [
            "415 555 0100",
            "(415) 555-0100",
            "030 1234567",
            "0 30 1234567",
        ] {
            assert_eq!(
                error(text),
                "include the country code, e.g. +1 415 555 0100"
            );
        }
    }

    #[test]
    fn letters_are_refused() {
        assert!(error("+1 800 FLOWERS").contains("no letters"));
        assert!(error("+1 415 555 0100 ext 12").contains("no letters"));
    }

    #[test]
    fn other_characters_are_refused_by_name() {
        assert!(error("+1 415 555 0100#").starts_with("'#' does not belong"));
        assert!(error("+1 415 555 0100\u{0}").starts_with("'\\0' does not belong"));
        assert!(error("++14155550100").starts_with("'+' does not belong"));
    }

    #[test]
    fn too_short_and_too_long_numbers_are_refused() {
        assert!(error("+1 234 567").contains("too short"));
        assert_eq!(e164("+12345678"), "+12345678");
        assert_eq!(e164("+123456789012345"), "+123456789012345");
        assert!(error("+1234567890123456").contains("too long"));
    }

    #[test]
    fn a_country_code_starting_with_zero_is_refused() {
        assert!(error("+0 415 555 0100").contains("never starts with 0"));
        assert!(error("000 415 555 0100").contains("never starts with 0"));
        assert!(error("+(0)44 20 7946 0958").contains("never starts with 0"));
    }

    #[test]
    fn unmatched_parentheses_are_refused() {
        assert!(error("+1 (415 555 0100").contains("parentheses"));
        assert!(error("+1 415) 555 0100").contains("parentheses"));
        assert!(error("+1 ((415)) 555 0100").contains("parentheses"));
    }

    #[test]
    fn an_empty_number_is_refused() {
        assert!(error("  ").contains("enter a phone number"));
        assert!(error("+").contains("too short"));
    }
}
