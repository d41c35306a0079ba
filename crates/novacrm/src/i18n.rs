//! The languages the guest pages speak (English, German, French, Spanish) and their words,
//! through Fluent: one bundle per language, built once from the `.ftl` files compiled into
//! the binary (`locales/{lang}/guest.ftl`). Choosing a reader's language from a request lives
//! with the pages (`web::reader::Reader`); dates and times per language live in `format`.
//!
//! A message missing from a language, or one that fails to format, falls back to English and
//! is logged: a page never shows a bare message id. The unit tests hold every language to
//! the English file's ids, so that fallback stays a safety net.

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language of the guest pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    Es,
}

impl Lang {
    /// Every language, in the switcher's order.
    pub const ALL: [Self; 4] = [Self::En, Self::De, Self::Fr, Self::Es];

    /// The BCP 47 tag (`<html lang>`, `hreflang`, `?lang=`).
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
        }
    }

    /// The language's own name for itself, as the switcher shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
            Self::Fr => "Français",
            Self::Es => "Español",
        }
    }

    /// From a language tag's primary subtag (`de`, `de-AT`, `FR`); `None` for others.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The reader's most preferred language that we speak, from an `Accept-Language` value:
    /// tags by descending q-value (ties keep their order), `q=0` and `*` skipped.
    pub fn negotiate(accept_language: Option<&str>) -> Option<Self> {
        let mut tags: Vec<(f32, &str)> = accept_language?
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0 && !tag.is_empty()).then_some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter().find_map(|(_, tag)| Self::parse(tag))
    }

    fn source(self) -> &'static str {
        match self {
            Self::En => include_str!("../locales/en/guest.ftl"),
            Self::De => include_str!("../locales/de/guest.ftl"),
            Self::Fr => include_str!("../locales/fr/guest.ftl"),
            Self::Es => include_str!("../locales/es/guest.ftl"),
        }
    }

    fn bundle(self) -> &'static Bundle {
        &BUNDLES[self as usize]
    }

    /// The message `id` in this language.
    pub fn msg(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one argument (`{ $key }` in the `.ftl` file).
    pub fn msg1<V: Arg + ?Sized>(self, id: &str, key: &'static str, value: &V) -> String {
        let mut args = FluentArgs::new();
        args.set(key, value.value());
        self.format(id, Some(&args))
    }

    /// The message `id` with two arguments.
    pub fn msg2<V: Arg + ?Sized, W: Arg + ?Sized>(
        self,
        id: &str,
        key: &'static str,
        value: &V,
        key2: &'static str,
        value2: &W,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(key, value.value());
        args.set(key2, value2.value());
        self.format(id, Some(&args))
    }

    /// The message `id` with any number of arguments.
    pub fn msg_args(self, id: &str, pairs: &[(&'static str, &dyn Arg)]) -> String {
        let mut args = FluentArgs::new();
        for (key, value) in pairs {
            args.set(*key, value.value());
        }
        self.format(id, Some(&args))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        match format_in(self.bundle(), id, args) {
            Ok(text) => text,
            Err(why) if self != Self::En => {
                tracing::warn!(lang = self.code(), id, why, "message falls back to English");
                Self::En.format(id, args)
            }
            Err(why) => {
                tracing::error!(id, why, "message missing");
                id.to_owned()
            }
        }
    }
}

/// A value a message can take as an argument: text or a number (numbers choose plurals).
pub trait Arg {
    fn value(&self) -> FluentValue<'_>;
}

impl Arg for str {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::String(Cow::Borrowed(self))
    }
}

impl Arg for String {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::String(Cow::Borrowed(self))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn value(&self) -> FluentValue<'_> {
                FluentValue::from(*self)
            }
        }
    )*};
}
number_arg!(i64, u64, i32, u32);

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> FluentValue<'_> {
        (**self).value()
    }
}

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<[Bundle; 4]> = LazyLock::new(|| Lang::ALL.map(build));

fn build(lang: Lang) -> Bundle {
    let resource = FluentResource::try_new(lang.source().to_owned())
        .unwrap_or_else(|(_, errors)| panic!("locales/{}: {errors:?}", lang.code()));
    let id = lang.code().parse().expect("a valid language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The pages are HTML with a `lang` attribute: no bidi isolation marks around values.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{}: {errors:?}", lang.code()));
    bundle
}

/// `Err` says why a message could not be formatted (missing, or a reference that failed).
fn format_in(bundle: &Bundle, id: &str, args: Option<&FluentArgs>) -> Result<String, String> {
    let pattern = bundle
        .get_message(id)
        .and_then(|m| m.value())
        .ok_or_else(|| "no such message".to_owned())?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if errors.is_empty() {
        Ok(text.into_owned())
    } else {
        Err(format!("{errors:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id of a `.ftl` source (messages only; terms start with `-`).
    fn ids(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim()))
            .collect()
    }

    /// Arguments that every message may use, so a message's variables all resolve.
    fn sample_args() -> FluentArgs<'static> {
        let mut args = FluentArgs::new();
        for key in [
            "host", "type", "zone", "place", "time", "when", "day", "name", "address", "phone",
            "url", "provider", "who", "heading",
        ] {
            args.set(key, "x");
        }
        for key in ["minutes", "seconds", "hours", "count"] {
            args.set(key, 2);
        }
        args
    }

    #[test]
    fn every_language_has_every_english_message_and_no_other() {
        let english = ids(Lang::En.source());
        assert!(english.len() > 60, "the English file lists the messages");
        for lang in Lang::ALL {
            let mut theirs = ids(lang.source());
            let mut ours = english.clone();
            theirs.sort_unstable();
            ours.sort_unstable();
            assert_eq!(theirs, ours, "{}: the same ids as English", lang.code());
            for id in &english {
                let formatted = format_in(lang.bundle(), id, Some(&sample_args()));
                assert!(
                    formatted.as_ref().is_ok_and(|t| !t.trim().is_empty()),
                    "{}: {id}: {formatted:?}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn the_preferred_language_we_speak_wins_by_q_value() {
        assert_eq!(
            Lang::negotiate(Some("de-DE,de;q=0.9,en;q=0.8")),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::negotiate(Some("it-IT, fr;q=0.7, en;q=0.9")),
            Some(Lang::En)
        );
        assert_eq!(Lang::negotiate(Some("en;q=0.1, es-MX")), Some(Lang::Es));
        assert_eq!(Lang::negotiate(Some("fr;q=0, it")), None);
        assert_eq!(Lang::negotiate(Some("*")), None);
        assert_eq!(Lang::negotiate(Some("")), None);
        assert_eq!(Lang::negotiate(None), None);
        assert_eq!(Lang::parse("FR-ca"), Some(Lang::Fr));
        assert_eq!(Lang::parse("pt"), None);
    }

    #[test]
    fn plurals_follow_the_language() {
        assert_eq!(
            Lang::En.msg1("retry-in", "seconds", &1u64),
            "Please try again in 1 second. Nothing you entered was booked or changed."
        );
        assert!(
            Lang::De
                .msg1("retry-in", "seconds", &5u64)
                .contains("5 Sekunden")
        );
        assert!(
            Lang::Fr
                .msg1("retry-in", "seconds", &1u64)
                .contains("1 seconde")
        );
        assert!(
            Lang::Es
                .msg1("retry-in", "seconds", &2u64)
                .contains("2 segundos")
        );
    }
}
