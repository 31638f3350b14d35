using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

[GenerateSerializer, Alias("certfleet.api.VaultIssuer")]
public sealed record VaultIssuer
{
    [Id(0), Required, Description("Vault address, for example https://vault.example.com:8200.")]
    public string Server { get; init; } = "";

    [Id(1), Required, Description("Path of the PKI engine's sign endpoint, for example pki/sign/my-role.")]
    public string Path { get; init; } = "";

    [Id(2), Required, Description("How to log in to Vault.")]
    public VaultAuth Auth { get; init; } = new();

    [Id(3), Description("Vault Enterprise namespace.")]
    public string? Namespace { get; init; }

    [Id(4), Description("Host name expected in Vault's TLS certificate, when it differs from the server address.")]
    public string? ServerName { get; init; }

    [Id(5), Description("PEM bundle (base64 in JSON) of CAs trusted for Vault's TLS certificate; excludes caBundleSecretRef.")]
    public byte[]? CaBundle { get; init; }

    [Id(6), Description("Secret entry (ca.crt by default) with CAs trusted for Vault's TLS certificate; excludes caBundle.")]
    public SecretKeySelector? CaBundleSecretRef { get; init; }

    [Id(7), Description("Secret entry with the client certificate for mutual TLS.")]
    public SecretKeySelector? ClientCertSecretRef { get; init; }

    [Id(8), Description("Secret entry with the client key for mutual TLS.")]
    public SecretKeySelector? ClientKeySecretRef { get; init; }
}

/// <summary>One Vault login method; the first one set in declaration order is used.</summary>
[GenerateSerializer, Alias("certfleet.api.VaultAuth")]
public sealed record VaultAuth
{
    [Id(0), Description("Secret entry holding a Vault token.")]
    public SecretKeySelector? TokenSecretRef { get; init; }

    [Id(1), Description("Log in with an AppRole.")]
    public VaultAppRole? AppRole { get; init; }

    [Id(2), Description("Log in with a TLS client certificate (HTTPS only).")]
    public VaultClientCertificateAuth? ClientCertificate { get; init; }

    [Id(3), Description("Log in with a Kubernetes service account token.")]
    public VaultKubernetesAuth? Kubernetes { get; init; }

    [Id(4), Description("Log in with AWS IAM credentials.")]
    public VaultAwsAuth? Aws { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.VaultAppRole")]
public sealed record VaultAppRole
{
    [Id(0), Required, Description("Mount path of the AppRole auth method, for example approle.")]
    public string Path { get; init; } = "";

    [Id(1), Required, Description("The AppRole's role ID.")]
    public string RoleId { get; init; } = "";

    [Id(2), Required, Description("Secret entry holding the AppRole secret ID; key is required.")]
    public SecretKeySelector SecretRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.VaultClientCertificateAuth")]
public sealed record VaultClientCertificateAuth
{
    [Id(0), Description("Mount path of the cert auth method; /v1/auth/cert when unset.")]
    public string? MountPath { get; init; }

    [Id(1), Description("kubernetes.io/tls Secret with the client certificate and key.")]
    public string? SecretName { get; init; }

    [Id(2), Description("Certificate role to log in as; any matching role when unset.")]
    public string? Name { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.VaultKubernetesAuth")]
public sealed record VaultKubernetesAuth
{
    [Id(0), Required, Description("Vault role bound to the service account.")]
    public string Role { get; init; } = "";

    [Id(1), Description("Mount path of the Kubernetes auth method; /v1/auth/kubernetes when unset.")]
    public string? MountPath { get; init; }

    [Id(2), Description("Secret entry holding a service account token; excludes serviceAccountRef.")]
    public SecretKeySelector? SecretRef { get; init; }

    [Id(3), Description("Service account to request a short-lived token for; excludes secretRef.")]
    public ServiceAccountRef? ServiceAccountRef { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.VaultAwsAuth")]
public sealed record VaultAwsAuth
{
    [Id(0), Required, MinLength(1), Description("Vault role to log in as.")]
    public string Role { get; init; } = "";

    [Id(1), Description("Mount path of the AWS auth method; /v1/auth/aws when unset.")]
    public string? MountPath { get; init; }

    [Id(2), Description("AWS region for the signed STS request; from the environment, then us-east-1, when unset.")]
    public string? Region { get; init; }

    [Id(3), Description("Service account whose token is exchanged for AWS credentials (IRSA).")]
    public ServiceAccountRef? ServiceAccountRef { get; init; }

    [Id(4), Description("IAM role to assume with the service account token; needed with serviceAccountRef.")]
    public string? IamRoleArn { get; init; }

    [Id(5), Description("Value of the X-Vault-AWS-IAM-Server-ID header signed into the request.")]
    public string? VaultHeaderValue { get; init; }
}

/// <summary>A service account the controller requests a bound token for.</summary>
[GenerateSerializer, Alias("certfleet.api.ServiceAccountRef")]
public sealed record ServiceAccountRef
{
    [Id(0), Required, Description("Name of the service account.")]
    public string Name { get; init; } = "";

    [Id(1), Description("Audiences added to the token besides the defaults.")]
    public List<string>? Audiences { get; init; }
}
