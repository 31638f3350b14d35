namespace CertFleet.Interfaces.Api;

/// <summary>Condition types of cert-manager resources.</summary>
public static class ConditionTypes
{
    /// <summary>Certificate, CertificateRequest, Issuer and ClusterIssuer.</summary>
    public const string Ready = "Ready";

    /// <summary>Certificate: an issuance is in progress.</summary>
    public const string Issuing = "Issuing";

    /// <summary>CertificateRequest: an approver allowed signing. Never False.</summary>
    public const string Approved = "Approved";

    /// <summary>CertificateRequest: an approver refused signing. Never False.</summary>
    public const string Denied = "Denied";

    /// <summary>CertificateRequest: the request can never be signed as given.</summary>
    public const string InvalidRequest = "InvalidRequest";
}

public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";
}
