//! Contacts: one per guest email and host, with the host's notes.

use super::db::{Result, Store, Tx, new_id};
use super::records::{ContactRecord, NewBooking};
use scheduling::Instant;
use sqlx::Row;

impl Store {
    // ---- bookings and contacts -----------------------------------------------------------

    /// Finds the host's contact with this email (case-insensitive) or creates it.
    pub async fn upsert_contact(
        tx: &mut Tx,
        host_id: &str,
        b: &NewBooking,
        now: Instant,
    ) -> Result<String> {
        let key = b.guest_email.to_lowercase();
        let row = sqlx::query(
            "INSERT INTO contact (contact_id, app_user_id, name, email, email_key, phone, company, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (app_user_id, email_key) DO UPDATE SET \
             phone = COALESCE(contact.phone, excluded.phone), \
             company = COALESCE(contact.company, excluded.company), updated_at = excluded.updated_at \
             RETURNING contact_id",
        )
        .bind(new_id())
        .bind(host_id)
        .bind(&b.guest_name)
        .bind(&b.guest_email)
        .bind(&key)
        .bind(&b.guest_phone)
        .bind(&b.guest_company)
        .bind(now.as_millis())
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("contact_id")?)
    }

    /// The host's CRM contacts, by name.
    pub async fn contacts(&self, host_id: &str) -> Result<Vec<ContactRecord>> {
        self.all(
            sqlx::query(
                "SELECT contact_id, name, email, phone, company, notes FROM contact \
             WHERE app_user_id = $1 ORDER BY name, email",
            )
            .bind(host_id),
            ContactRecord::from_row,
        )
        .await
    }

    /// One of the host's contacts (another host's id finds nothing).
    pub async fn contact(&self, host_id: &str, contact_id: &str) -> Result<Option<ContactRecord>> {
        self.one(
            sqlx::query(
                "SELECT contact_id, name, email, phone, company, notes FROM contact \
             WHERE app_user_id = $1 AND contact_id = $2",
            )
            .bind(host_id)
            .bind(contact_id),
            ContactRecord::from_row,
        )
        .await
    }

    /// Saves the host's notes on a contact; false when the host has no such contact.
    pub async fn set_contact_notes(
        &self,
        host_id: &str,
        contact_id: &str,
        notes: &str,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE contact SET notes = $1 WHERE app_user_id = $2 AND contact_id = $3")
                .bind(notes)
                .bind(host_id)
                .bind(contact_id)
                .execute(&self.writes)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
