//! The CSV exports of the insights: RFC 4180 with the host's local columns, cells that cannot
//! run as formulas, and the bookings export streamed page after page.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TestApp, spawn_app};

use crate::insights::{TUE_9, id};

async fn download(app: &TestApp, path: &str) -> String {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(
        headers["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=")
    );
    response.text().await.unwrap()
}

async fn exports_are_rfc_4180_with_local_columns_and_no_formulas(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app
        .post_booking(json!({
            "meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "Europe/Berlin",
            "guestName": "=HYPERLINK(\"http://evil.example\")", "guestEmail": "eve@example.com",
            "guestCompany": "+1 Corp", "meetingNotes": "@SUM(A1)\n-2, said \"Eve\"",
        }))
        .await;
    let id = id(&booked);
    let text = download(&app, "/api/exports/bookings.csv").await;
    let expected = format!(
        "id,status,source,meeting_type,guest_name,guest_email,guest_phone,guest_company,\
         guest_timezone,start_utc,end_utc,start_local_date,start_local_time,created_utc,\
         created_local_date,created_local_time,first_start_utc,reschedule_count,cancelled_utc,\
         cancelled_by,late_cancel,cancel_reason,meeting_notes,host_timezone\r\n\
         {id},CONFIRMED,public_api,Quick Call,\"'=HYPERLINK(\"\"http://evil.example\"\")\",\
         eve@example.com,,'+1 Corp,Europe/Berlin,2026-11-24T14:00:00Z,2026-11-24T14:15:00Z,\
         2026-11-24,09:00,2026-11-23T12:00:00Z,2026-11-23,07:00,2026-11-24T14:00:00Z,0,,,false,,\
         \"'@SUM(A1)\n-2, said \"\"Eve\"\"\",America/New_York\r\n"
    );
    assert_eq!(text, expected);

    let daily = download(&app, "/api/exports/daily.csv?from=2026-11-23&to=2026-11-25").await;
    assert_eq!(
        daily,
        "date,weekday,bookings,view,type,slot,submit,booked\r\n\
         2026-11-23,mon,1,0,0,0,0,0\r\n2026-11-24,tue,0,0,0,0,0,0\r\n"
    );
    let bad = app
        .authed(Method::GET, "/api/exports/daily.csv?from=soon", None)
        .await;
    assert_eq!(bad.status, 422);
}

/// Copies the host's one booking `n` times, a minute apart (straight in SQL, both engines).
async fn copy_booking(app: &TestApp, n: i64) {
    sqlx::query(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $1) \
         INSERT INTO booking (booking_id, app_user_id, meeting_type_id, contact_id, guest_name, \
         guest_email, start_time, end_time, timezone, answers, status, created_at, updated_at, \
         source, first_start_at) SELECT b.booking_id || '-' || CAST(k.i AS TEXT), b.app_user_id, \
         b.meeting_type_id, b.contact_id, b.guest_name, b.guest_email, b.start_time + k.i * 60000, \
         b.end_time + k.i * 60000, b.timezone, b.answers, b.status, b.created_at, b.updated_at, \
         b.source, b.first_start_at FROM booking b, k",
    )
    .bind(n)
    .execute(app.store.pool())
    .await
    .unwrap();
}

async fn the_bookings_export_streams_page_after_page(backend: Backend) {
    let app = spawn_app(backend).await;
    id(&app.book(&app.quick_call, TUE_9, "a@example.com").await);
    let pages = novacrm::services::exports::PAGE;
    copy_booking(&app, 2 * pages).await;
    let text = download(&app, "/api/exports/bookings.csv").await;
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        lines.len() as i64,
        1 + 1 + 2 * pages,
        "the header and every booking once"
    );
    let starts: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(9).unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "oldest start first"
    );
    assert_eq!(starts[0], TUE_9);
}

// ---- the dashboard page ------------------------------------------------------------------

#[test]
fn cells_that_look_like_formulas_are_defused() {
    use novacrm::services::exports::cell;
    for (typed, written) in [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann = Bob", "Ann = Bob"),
        ("", ""),
    ] {
        assert_eq!(cell(typed), written);
    }
}

crate::on_both_backends!(
    exports_are_rfc_4180_with_local_columns_and_no_formulas,
    the_bookings_export_streams_page_after_page,
);
