//! `open_enum!`: string enums that accept values the model does not list.
//!
//! Amazon adds enum values without notice; a typed client or server must not fail on them.
//! Each generated enum has one variant per documented value and `Unknown(String)` for the
//! rest, and (de)serialises as the plain string.

/// Declares an open string enum: `open_enum! { Name { Variant = "WIRE", ... } }`.
#[macro_export]
macro_rules! open_enum {
    ($name:ident { $($variant:ident = $value:literal),* $(,)? }) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// A value the model does not list, kept as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The documented values, in model order.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(s) => s,
                }
            }

            /// Parses a wire value; unknown values are kept in `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        /// The first documented value.
        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self::from_wire(Self::VALUES[0])
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}
