namespace CertFleet.Interfaces.Api;

/// <summary>Reasons on a Certificate's Ready and Issuing conditions, in policy-chain order where it matters.</summary>
public static class CertificateReasons
{
    public const string Ready = "Ready";
    public const string DoesNotExist = "DoesNotExist";
    public const string MissingData = "MissingData";
    public const string InvalidKeyPair = "InvalidKeyPair";
    public const string InvalidCertificate = "InvalidCertificate";
    public const string IncorrectIssuer = "IncorrectIssuer";
    public const string IncorrectCertificate = "IncorrectCertificate";
    public const string SecretMismatch = "SecretMismatch";
    public const string InvalidCertificateRequest = "InvalidCertificateRequest";
    public const string RequestChanged = "RequestChanged";
    public const string Expired = "Expired";
    public const string Renewing = "Renewing";
    public const string WindowError = "WindowError";
    public const string ManuallyTriggered = "ManuallyTriggered";
    public const string Issued = "Issued";
    public const string Failed = "Failed";
    public const string Denied = "Denied";

    // Secret metadata is repaired in place, without a new issuance.
    public const string SecretTemplateMismatch = "SecretTemplateMismatch";
    public const string SecretManagedMetadataMismatch = "SecretManagedMetadataMismatch";
    public const string AdditionalOutputFormatsMismatch = "AdditionalOutputFormatsMismatch";
    public const string ManagedFieldsParseError = "ManagedFieldsParseError";
    public const string SecretOwnerRefMismatch = "SecretOwnerRefMismatch";
    public const string AriError = "ARIError";
}

/// <summary>Reasons on CertificateRequest conditions.</summary>
public static class CertificateRequestReasons
{
    public const string Pending = "Pending";
    public const string Failed = "Failed";
    public const string Issued = "Issued";
    public const string Denied = "Denied";

    /// <summary>Reason of the Approved condition set by the built-in approver.</summary>
    public const string ApprovedByCertManager = "cert-manager.io";

    /// <summary>Default reason of cmctl approve/deny.</summary>
    public const string KubectlCertManager = "KubectlCertManager";

    // ACME issuance progress while Ready is False/Pending.
    public const string OrderCreated = "OrderCreated";
    public const string OrderPending = "OrderPending";
    public const string OrderFailed = "OrderFailed";
    public const string InvalidOrder = "InvalidOrder";

    // Vault issuer (Event reasons; the Ready condition says Pending or Failed).
    public const string VaultInitError = "VaultInitError";
    public const string VaultSecretMissing = "SecretMissing";
    public const string VaultSigningError = "SigningError";
}

/// <summary>Reasons on the Ready condition of an Issuer or ClusterIssuer.</summary>
public static class IssuerReasons
{
    public const string AcmeAccountRegistered = "ACMEAccountRegistered";
    public const string AcmeAccountVerified = "ACMEAccountVerified";
    public const string ErrRegisterAcmeAccount = "ErrRegisterACMEAccount";
    public const string ErrVerifyAcmeAccount = "ErrVerifyACMEAccount";
    public const string ErrUpdateAcmeAccount = "ErrUpdateACMEAccount";
    public const string InvalidConfig = "InvalidConfig";
    public const string InvalidUrl = "InvalidURL";
    public const string InvalidSolver = "InvalidSolver";
    public const string KeyPairVerified = "KeyPairVerified";
    public const string ErrGetKeyPair = "ErrGetKeyPair";
    public const string ErrInvalidKeyPair = "ErrInvalidKeyPair";
    public const string IsReady = "IsReady";
    public const string VaultVerified = "VaultVerified";
    public const string VaultError = "VaultError";
    public const string ErrInitIssuer = "ErrInitIssuer";
}

/// <summary>Event reasons cert-manager users see in <c>kubectl describe</c>.</summary>
public static class EventReasons
{
    public const string Issuing = "Issuing";
    public const string Generated = "Generated";
    public const string Reused = "Reused";
    public const string Deleted = "Deleted";
    public const string DecodeFailed = "DecodeFailed";
    public const string CannotRegenerateKey = "CannotRegenerateKey";
    public const string Requested = "Requested";
    public const string RequestFailed = "RequestFailed";
    public const string WaitingForApproval = "WaitingForApproval";
    public const string IssuerNotFound = "IssuerNotFound";
    public const string IssuerTypeMissing = "IssuerTypeMissing";
    public const string IssuerNotReady = "IssuerNotReady";
    public const string CertificateIssued = "CertificateIssued";
    public const string OrderCreated = "OrderCreated";
    public const string Created = "Created";
    public const string Solver = "Solver";
    public const string Complete = "Complete";
    public const string Started = "Started";
    public const string Presented = "Presented";
    public const string PresentError = "PresentError";
    public const string DomainVerified = "DomainVerified";
    public const string Failed = "Failed";
    public const string CleanUpError = "CleanUpError";
    public const string CreateCertificate = "CreateCertificate";
    public const string UpdateCertificate = "UpdateCertificate";
    public const string DeleteCertificate = "DeleteCertificate";
    public const string BadConfig = "BadConfig";
    public const string KeystorePasswordSecretNotFound = "KeystorePasswordSecretNotFound";

    // The CA issuer's CertificateRequest Events (Pending while its Secret is missing or unusable, Failed when signing fails).
    public const string SecretMissing = "SecretMissing";
    public const string SecretInvalidData = "SecretInvalidData";
    public const string SigningError = "SigningError";

    // The SelfSigned issuer's CertificateRequest Events.
    public const string MissingAnnotation = "MissingAnnotation";
    public const string MissingSecret = "MissingSecret";
    public const string ErrorParsingKey = "ErrorParsingKey";
    public const string ErrorKeyMatch = "ErrorKeyMatch";
    public const string ErrorSigning = "ErrorSigning";
}
