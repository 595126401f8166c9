/// The connector files (TOML, as `[[adapter]] kind = "http"` reads them) of
/// the fake APIs, for `tandem run` processes in the demo and the tests.
public enum FakeConnectorFiles {
    /// The fake CRM's contacts connector, in the shape of
    /// examples/connectors/crm-contacts.toml: pointed at `baseURL`, polling
    /// every `pollMillis` (the backstop for a missed webhook), its webhook
    /// receiver on 127.0.0.1:`webhookPort` with the secret in
    /// `crm-webhook.secret` beside it. It maps `email` and `firstname`, then
    /// the `fields` lines (TOML of its `[fields]` table, e.g.
    /// `city = "properties.city"`).
    public static func crm(baseURL: String, webhookPort: Int, pollMillis: Int, fields: String = "") -> String {
        """
        object = "contacts"
        base_url = "\(baseURL)"
        retry_base_ms = 50
        retry_max_ms = 1000
        requests_per_second = 100
        burst = 20

        [requests]
        list = "GET /crm/v3/objects/contacts"
        get = "GET /crm/v3/objects/contacts/{id}"
        create = "POST /crm/v3/objects/contacts"
        update = "PATCH /crm/v3/objects/contacts/{id}"
        delete = "DELETE /crm/v3/objects/contacts/{id}"

        [list]
        items = "results"
        pagination = "cursor"
        next_cursor = "paging.next.after"

        [object_shape]
        id = "id"
        modified = "updatedAt"
        concurrency = "etag"

        [fields]
        email = "properties.email"
        firstname = "properties.firstname"
        \(fields)

        [polling]
        interval_ms = \(pollMillis)
        param = "updatedAfter"

        [webhook]
        listen = "127.0.0.1:\(webhookPort)"
        path = "/hooks/crm"
        signature_header = "X-HubSpot-Signature"
        secret_file = "crm-webhook.secret"
        event = "subscriptionType"
        delete_events = ["contact.deletion"]
        id = "objectId"

        """
    }
}
