//! Delivering one webhook job: the endpoint's secret unsealed, the body signed and posted.

use crate::integrations::SendError;
use crate::integrations::webhook::Delivery;
use crate::outbox::webhooks::{WebhookJob, secret_context};
use crate::sealed::Sealer;
use crate::store::Store;

/// The signed POST a job stands for; `None` when its endpoint was deleted since.
pub(super) async fn delivery(
    store: &Store,
    sealer: &Sealer,
    job: &WebhookJob,
) -> Result<Option<Delivery>, SendError> {
    let endpoint = store
        .webhook(&job.webhook_id)
        .await
        .map_err(|e| SendError::transient(e.to_string()))?;
    let Some(endpoint) = endpoint else {
        return Ok(None);
    };
    let secret = sealer
        .open(&endpoint.secret_sealed, &secret_context(&endpoint.id))
        .ok_or_else(|| {
            SendError::permanent(
                "the endpoint's secret cannot be read (NOVACRM_SECRET changed?); add the endpoint again",
            )
        })?;
    Ok(Some(Delivery {
        url: endpoint.url,
        message_id: job.message_id.clone(),
        secret,
        body: job.body.clone(),
    }))
}
