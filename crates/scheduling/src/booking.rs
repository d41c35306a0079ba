//! Booking status and the transitions a booking may make.
//!
//! `CONFIRMED` is where a booking starts, or `PENDING` on a type the host approves: a
//! pending request holds its slot until the host approves it (`CONFIRMED`), declines it
//! (`REJECTED`) or it expires (`EXPIRED`); either side may withdraw it (`CANCELLED`). A host
//! may cancel a confirmed booking, or after the fact mark it `COMPLETED` or `NO_SHOW` (and
//! correct one into the other). `CANCELLED`, `REJECTED` and `EXPIRED` are final: the booking
//! has freed its slot, and completing it would claim a meeting that did not happen. Setting
//! the status a booking already has is allowed and changes nothing.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    Confirmed,
    Cancelled,
    Completed,
    NoShow,
    Pending,
    Rejected,
    Expired,
}

impl BookingStatus {
    pub const ALL: [Self; 7] = [
        Self::Confirmed,
        Self::Cancelled,
        Self::Completed,
        Self::NoShow,
        Self::Pending,
        Self::Rejected,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
            Self::Completed => "COMPLETED",
            Self::NoShow => "NO_SHOW",
            Self::Pending => "PENDING",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Whether the booking still holds its time (all but cancelled, rejected and expired).
    pub fn holds_time(self) -> bool {
        !matches!(self, Self::Cancelled | Self::Rejected | Self::Expired)
    }

    pub fn can_become(self, next: Self) -> bool {
        use BookingStatus::{Cancelled, Completed, Confirmed, Expired, NoShow, Pending, Rejected};
        self == next
            || matches!(
                (self, next),
                (Confirmed, Cancelled | Completed | NoShow)
                    | (Completed, NoShow)
                    | (NoShow, Completed)
                    | (Pending, Confirmed | Rejected | Expired | Cancelled)
            )
    }

    /// Checks a transition, with a message a host can act on when it is refused.
    pub fn transition(self, next: Self) -> Result<Self, String> {
        if self.can_become(next) {
            Ok(next)
        } else {
            let why = match self {
                Self::Cancelled => "a cancelled booking cannot change status",
                Self::Rejected | Self::Expired => {
                    "the request was closed; the guest may book again"
                }
                Self::Pending => "a request must be approved (CONFIRMED) first",
                Self::Confirmed => "only a pending request can be declined or expire",
                _ => "a meeting that has been marked completed or no-show cannot go back",
            };
            Err(format!("cannot change a {self} booking to {next}: {why}"))
        }
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BookingStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a booking status (CONFIRMED, CANCELLED, COMPLETED, NO_SHOW, \
                     PENDING, REJECTED, EXPIRED)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::BookingStatus::{
        self, Cancelled, Completed, Confirmed, Expired, NoShow, Pending, Rejected,
    };

    #[test]
    fn the_state_machine_allows_exactly_these_moves() {
        let allowed = [
            (Confirmed, Cancelled),
            (Confirmed, Completed),
            (Confirmed, NoShow),
            (Completed, NoShow),
            (NoShow, Completed),
            (Pending, Confirmed),
            (Pending, Rejected),
            (Pending, Expired),
            (Pending, Cancelled),
        ];
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                let expected = from == to || allowed.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
        assert!(
            Cancelled
                .transition(Completed)
                .unwrap_err()
                .contains("cancelled")
        );
    }

    #[test]
    fn statuses_parse_from_their_wire_names_only() {
        for st in BookingStatus::ALL {
            assert_eq!(st.as_str().parse::<BookingStatus>().unwrap(), st);
        }
        assert!("confirmed".parse::<BookingStatus>().is_err());
    }
}
