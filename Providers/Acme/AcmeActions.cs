namespace CertFleet.Providers.Acme;

/// <summary>The <c>action</c> label values of cert-manager's ACME client metrics, one per kind of request.</summary>
public static class AcmeActions
{
    /// <summary>The status reported when the request got no HTTP response (connection, TLS or timeout).</summary>
    public const int TransportErrorStatus = 999;

    public const string Discover = "discover";
    public const string RegisterAccount = "register_account";
    public const string GetRegistration = "get_registration";
    public const string UpdateRegistration = "update_registration";
    public const string AuthorizeOrder = "authorize_order";
    public const string GetOrder = "get_order";
    public const string GetAuthorization = "get_authorization";
    public const string AcceptChallenge = "accept_challenge";
    public const string CreateOrderCert = "create_order_cert";
    public const string FetchCert = "fetch_cert";
    public const string ListCertAlternates = "list_cert_alternates";
    public const string GetRenewalInfo = "get_renewal_info";

    /// <summary>Not a cert-manager action (it never revokes); named in the same style.</summary>
    public const string RevokeCert = "revoke_cert";

    /// <summary>Not a cert-manager action (its client never lists orders); named in the same style.</summary>
    public const string ListOrders = "list_orders";

    /// <summary>HEAD newNonce, in error messages only: metrics count it under the action that needed the nonce, as cert-manager does.</summary>
    public const string NewNonce = "new_nonce";
}
