using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using Orleans.Runtime;

namespace CertFleet.Durability.Tests;

/// <summary>Grain inputs that need no Kubernetes and reach no CA: each leaves its grain waiting on a reminder.</summary>
public static class TestObjects
{
    /// <summary>Not ready, so the issuer grain registers its 1-minute "recheck" reminder.</summary>
    public static IssuerObject CaIssuerWithMissingSecret(string ns, string name) => new()
    {
        Kind = "Issuer",
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = $"uid-{name}", Generation = 1 },
        Spec = new IssuerSpec { CA = new CaIssuer { SecretName = "missing-ca" } },
    };

    public static GrainId IssuerGrainId(string key) => GrainId.Create("issuer", key);

    /// <summary>Issuing, but its Issuer does not exist: the Certificate registers its one-minute reminder and waits.</summary>
    public static Certificate CertificateOfMissingIssuer(ObjectKey key) => new()
    {
        Metadata = new ObjectMeta { Name = key.Name, Namespace = key.Namespace, Uid = "uid-certificate", Generation = 1 },
        Spec = new CertificateSpec
        {
            SecretName = "tls",
            DnsNames = ["site.example"],
            IssuerRef = new IssuerRef { Name = "missing", Kind = "Issuer" },
        },
    };

    /// <summary>An ACME issuer whose account key Secret does not exist: its orders and challenges retry without reaching a CA.</summary>
    private static AcmeIssuerContext UnreachableAcmeIssuer(ObjectKey near) => new()
    {
        Issuer = near.WithName("acme"),
        IssuerKind = "Issuer",
        Spec = new AcmeIssuer
        {
            Server = "https://127.0.0.1:1/directory",
            PrivateKeySecretRef = new SecretKeySelector { Name = "missing-account-key" },
            Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress { IngressClassName = "nginx" } } }],
        },
        AccountUrl = "https://127.0.0.1:1/account/1",
        AccountKeySecret = near.WithName("missing-account-key"),
    };

    public static OrderWork OrderWork(ObjectKey certificate) => new()
    {
        Issuer = UnreachableAcmeIssuer(certificate),
        Request = certificate.WithName("site-1"),
        RequestUid = "uid-request",
        CsrPem = "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n",
        DnsNames = ["site.example"],
    };

    public static ChallengeWork ChallengeWork(ObjectKey challenge, ObjectKey order) => new()
    {
        Issuer = UnreachableAcmeIssuer(challenge),
        Order = order,
        ChallengeUid = "uid-challenge",
        Resource = new Challenge
        {
            Metadata = new ObjectMeta { Name = challenge.Name, Namespace = challenge.Namespace, Uid = "uid-challenge" },
            Spec = new ChallengeSpec
            {
                Url = "https://127.0.0.1:1/challenge/1",
                AuthorizationUrl = "https://127.0.0.1:1/authz/1",
                DnsName = "site.example",
                Type = ChallengeTypes.Http01,
                Token = "token-" + Guid.NewGuid().ToString("N"),
                Key = "token.thumbprint",
                Solver = new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress { IngressClassName = "nginx" } } },
                IssuerRef = new IssuerRef { Name = "acme", Kind = "Issuer" },
            },
        },
    };
}
