//! Raw values that are more than one plain type: a duration or `off`, `M of N` or `N`,
//! a mapping or `off`. They are kept as written and checked by the validator, which knows
//! where they are in the file; their schemas tell editors what may be written.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

use super::RawFlappingSettings;

/// A humantime duration as the schema describes it: numbers with units, as in `30s`, `5m`,
/// `6h`, `30d` or `1h 30m`.
const DURATION_PATTERN: &str = r"^\s*[0-9]+\s*[a-zA-Z]+(\s*[0-9]+\s*[a-zA-Z]+)*\s*$";

/// `OP NUMBER`, as in `> 5`, `<= 99.9` or `< -10`.
const CONDITION_PATTERN: &str =
    r"^\s*(>=|<=|==|!=|>|<)\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$";

/// A duration, as written: `30s`, `5m`, `6h`, `30d`, `1h 30m`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DurationText(pub String);

impl JsonSchema for DurationText {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: a number and a unit, such as `30s`, `5m`, `6h`, \
                `30d`, or several, such as `1h 30m`. At most `10y` unless the field says \
                otherwise.",
            "examples": ["10s", "6h", "30d"],
        })
    }
}

/// A duration, or `off`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DurationOrOff(pub String);

impl JsonSchema for DurationOrOff {
    fn schema_name() -> Cow<'static, str> {
        "DurationOrOff".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": format!("^off$|{DURATION_PATTERN}"),
            "description": "A duration such as `6h` or `1d`, at most `10y`, or `off`.",
            "examples": ["6h", "off"],
        })
    }
}

/// `for`: `M of N`, or a number N meaning `N of N`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ForText(pub String);

impl JsonSchema for ForText {
    fn schema_name() -> Cow<'static, str> {
        "ForClause".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`M of N`: fire when at least M of the last N datapoints breach, \
                with 1 <= M <= N <= 100. A number N alone means `N of N`.",
            "anyOf": [
                { "type": "integer", "minimum": 1, "maximum": 100 },
                { "type": "string", "pattern": r"^\s*[0-9]+(\s+of\s+[0-9]+)?\s*$" },
            ],
            "examples": ["2 of 3", 1],
        })
    }
}

/// A threshold condition, as written: `> 5`, `<= 99.9`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ConditionText(pub String);

impl JsonSchema for ConditionText {
    fn schema_name() -> Cow<'static, str> {
        "Condition".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": CONDITION_PATTERN,
            "description": "An operator (`>`, `>=`, `<`, `<=`, `==`, `!=`) and a number. \
                Quote it in YAML: a plain value cannot start with `>`.",
            "examples": ["> 5", "< 99.9"],
        })
    }
}

/// A string that YAML editors may type as a number or boolean, such as a label value
/// `tier: 1`. kpiwatch reads it as the text written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ScalarText(pub String);

impl JsonSchema for ScalarText {
    fn schema_name() -> Cow<'static, str> {
        "ScalarText".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

/// `renotify_max`: a cap on reminders per incident, or `off` for no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenotifyMax {
    /// No cap, even if `defaults` sets one.
    Off,
    /// At most this many reminders per incident; 0 sends none.
    Max(u32),
}

impl<'de> Deserialize<'de> for RenotifyMax {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RenotifyMax, D::Error> {
        struct RenotifyMaxVisitor;

        impl Visitor<'_> for RenotifyMaxVisitor {
            type Value = RenotifyMax;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or `off`")
            }

            // YAML scalars arrive as text, whatever they look like.
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RenotifyMax, E> {
                if text == "off" {
                    return Ok(RenotifyMax::Off);
                }
                text.parse()
                    .map(RenotifyMax::Max)
                    .map_err(|_| E::invalid_value(Unexpected::Str(text), &self))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<RenotifyMax, E> {
                u32::try_from(n)
                    .map(RenotifyMax::Max)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &self))
            }
        }

        deserializer.deserialize_any(RenotifyMaxVisitor)
    }
}

impl JsonSchema for RenotifyMax {
    fn schema_name() -> Cow<'static, str> {
        "RenotifyMax".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "At most this many reminders per incident (0 sends none), or `off` \
                for no cap.",
            "anyOf": [
                { "type": "integer", "minimum": 0, "maximum": u32::MAX },
                { "const": "off" },
            ],
        })
    }
}

/// `flapping`: detection settings, or `off`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawFlapping {
    /// No flapping detection for this rule.
    Off,
    /// Detect flapping with these settings.
    Detect(RawFlappingSettings),
}

impl<'de> Deserialize<'de> for RawFlapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawFlapping, D::Error> {
        struct FlappingVisitor;

        impl<'de> Visitor<'de> for FlappingVisitor {
            type Value = RawFlapping;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`off` or a mapping such as `{ changes: 4, evaluations: 10 }`")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawFlapping, E> {
                match text {
                    "off" => Ok(RawFlapping::Off),
                    _ => Err(E::invalid_value(Unexpected::Str(text), &self)),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawFlapping, A::Error> {
                let settings =
                    RawFlappingSettings::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawFlapping::Detect(settings))
            }
        }

        deserializer.deserialize_any(FlappingVisitor)
    }
}

impl JsonSchema for RawFlapping {
    fn schema_name() -> Cow<'static, str> {
        "Flapping".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let settings = generator.subschema_for::<RawFlappingSettings>();
        json_schema!({
            "description": "Flapping detection settings, or `off` to turn it off.",
            "anyOf": [ { "const": "off" }, settings ],
        })
    }
}

/// A struct that is read from a mapping only. serde also reads a struct from a list, by
/// position, so that `change: [1d, percent]` would pass for `{ vs: 1d, as: percent }`;
/// nobody means that in YAML, and the schema does not allow it. The schema is `T`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping<T>(pub T);

impl<T> std::ops::Deref for Mapping<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Mapping<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Mapping<T>, D::Error> {
        struct MappingVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MappingVisitor<T> {
            type Value = Mapping<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Mapping<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Mapping)
            }
        }

        deserializer.deserialize_map(MappingVisitor(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Mapping<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
