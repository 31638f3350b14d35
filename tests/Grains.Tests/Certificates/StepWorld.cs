using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>
/// One Certificate's world for step tests without a silo: its state, what its activation remembers, a fake clock, and
/// <see cref="ICertificateActions"/> that answers from dictionaries and records every action as one line.
/// </summary>
public sealed class StepWorld : ICertificateActions, IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly ObjectKey CertificateKey = new("c", "ns", "web");

    public FakeTimeProvider Clock { get; } = new(Start);
    public CertificateState State { get; } = new();
    public CertificateMemory Memory { get; } = new();
    public List<string> Actions { get; } = [];
    public Dictionary<string, SecretData> Secrets { get; } = [];
    public List<CertificateRequest> CreatedRequests { get; } = [];
    public List<(CertificateRequest Request, IssuerSnapshot? Issuer)> Submitted { get; } = [];

    /// <summary>The issuer's answer to a snapshot call; a Ready CA issuer unless a test says otherwise.</summary>
    public IssuerSnapshot Issuer { get; set; } = new(new IssuerReadiness(true, true, "KeyPairVerified", "Signing CA verified", "CA"), null);
    public string SecretOwner { get; set; } = "web";
    public RequestOutcome SubmitAnswer { get; set; } = new() { State = RequestState.Pending };
    public Func<CertificateRequest, RequestOutcome>? SubmitBy { get; set; }
    public RateLimitWait? BudgetWait { get; set; }
    public List<ObjectKey> IdentifierSetHolders { get; set; } = [];
    public RenewalSuggestion? RenewalAnswer { get; set; }
    public string? TemporaryCertificateVersion { get; set; }
    public IssuanceBackoff Backoff { get; set; } = IssuanceBackoff.Default;
    /// <summary>What creating a CertificateRequest throws, if anything.</summary>
    public Exception? CreateRequestFailure { get; set; }
    private int _version = 100;

    public StepWorld(Certificate? certificate = null)
    {
        State.Object = certificate ?? Certificate();
    }

    public static Certificate Certificate(Func<CertificateSpec, CertificateSpec>? change = null, long generation = 1)
    {
        var spec = new CertificateSpec
        {
            SecretName = "web-tls",
            IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer", Group = "cert-manager.io" },
            DnsNames = ["web.example.test"],
            PrivateKey = new CertificatePrivateKey { Algorithm = "ECDSA" },
        };
        return new Certificate
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "ns", Uid = "uid-web", Generation = generation },
            Spec = change is null ? spec : change(spec),
        };
    }

    public static IssuerSnapshot AcmeIssuer(bool ready = true) => new(
        new IssuerReadiness(true, ready, ready ? "ACMEAccountRegistered" : "ErrRegisterACMEAccount", ready ? "registered" : "no account", "ACME"),
        ready
            ? new AcmeIssuerContext
            {
                Issuer = new ObjectKey("c", "ns", "ca"), IssuerKind = "Issuer",
                Spec = new AcmeIssuer { Server = "https://acme.example.test/directory" },
                AccountUrl = "https://acme.example.test/acct/1", AccountKeySecret = new ObjectKey("c", "ns", "acct"),
            }
            : null);

    public CertificatePass Pass() => new(CertificateKey, State, Memory, Clock, 0, Backoff, NullLogger.Instance, this);

    /// <summary>Puts a Secret as the issuing step writes it: a certificate for the spec's key, valid from an hour ago.</summary>
    public SecretData IssuedSecret(TimeSpan? lifetime = null, DateTimeOffset? notBefore = null, Certificate? issuedFor = null)
    {
        var certificate = issuedFor ?? State.Object!;
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec(certificate.Spec.PrivateKey?.Algorithm, certificate.Spec.PrivateKey?.Size, null));
        var issued = Sign(certificate, key, lifetime, notBefore);
        var secret = SecretContents.Build(CertificateKey.WithName(certificate.Spec.SecretName), certificate, key, issued.ChainPem, issued.CaPem, KeystorePasswords.None).Secret
            with { ResourceVersion = NextVersion() };
        Secrets[certificate.Spec.SecretName] = secret;
        return secret;
    }

    public IssuedCertificate Sign(Certificate certificate, PrivateKey key, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(CertificateTemplates.From(certificate.Spec), key));
        return CertificateSigner.SelfSign(new SigningRequest(csr, lifetime ?? TimeSpan.FromDays(90), false, []), key, notBefore ?? Start - TimeSpan.FromHours(1));
    }

    /// <summary>How many of the recorded actions are calls to other grains.</summary>
    public int GrainCalls => Actions.Count(a => a.StartsWith("grain:", StringComparison.Ordinal));

    public bool Has(string prefix) => Actions.Any(a => a.StartsWith(prefix, StringComparison.Ordinal));

    private string NextVersion() => (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task SaveStateAsync()
    {
        Actions.Add($"save {State.Step}");
        return Task.CompletedTask;
    }

    public Task<string> WriteStatusAsync(CertificateStatus status)
    {
        Actions.Add("status " + string.Join(" ", status.Conditions!.Select(c => $"{c.Type}={c.Status}/{c.Reason}")));
        return Task.FromResult(NextVersion());
    }

    public void RecordEvent(string type, string reason, string message) => Actions.Add($"event {type} {reason}: {message}");

    public Task<SecretData?> ReadSecretAsync(string name) => Task.FromResult(Secrets.GetValueOrDefault(name));

    public Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys)
    {
        Actions.Add($"apply-secret {secret.Key.Name} data={string.Join(",", secret.Data.Keys.Order())}");
        var version = NextVersion();
        Secrets[secret.Key.Name] = secret with { ResourceVersion = version };
        return Task.FromResult(version);
    }

    public Task<string> CreateSecretAsync(string generateName, SecretData secret)
    {
        var name = $"{generateName}{Secrets.Count}x";
        Actions.Add($"create-secret {generateName}");
        Secrets[name] = secret with { Key = CertificateKey.WithName(name), ResourceVersion = NextVersion() };
        return Task.FromResult(name);
    }

    public Task TryDeleteAsync(ResourceKind kind, string name)
    {
        Actions.Add($"delete {kind.Kind} {name}");
        if (kind == ResourceKind.Secret)
            Secrets.Remove(name);
        return Task.CompletedTask;
    }

    public Task<CertificateRequest> CreateRequestAsync(CertificateRequest request)
    {
        Actions.Add($"create-request {request.Metadata.Name}");
        if (CreateRequestFailure is { } failure)
            throw failure;
        CreatedRequests.Add(request);
        return Task.FromResult(request with { Metadata = request.Metadata with { Uid = "uid-request" } });
    }

    public Task<RequestOutcome> SubmitRequestAsync(CertificateRequest request, IssuerSnapshot? issuer)
    {
        Actions.Add($"grain: submit {request.Metadata.Name}");
        Submitted.Add((request, issuer));
        return Task.FromResult(SubmitBy?.Invoke(request) ?? SubmitAnswer);
    }

    public Task ForgetRequestAsync(string requestName)
    {
        Actions.Add($"grain: forget-request {requestName}");
        return Task.CompletedTask;
    }

    public Task<string?> EnsureTemporaryCertificateAsync(PrivateKey key)
    {
        Actions.Add("temporary-certificate");
        return Task.FromResult(TemporaryCertificateVersion);
    }

    public Task<string> ClaimSecretAsync(string secretName)
    {
        Actions.Add($"grain: claim {secretName}");
        return Task.FromResult(SecretOwner);
    }

    public Task<IssuerSnapshot> GetIssuerSnapshotAsync(IssuerRef issuerRef)
    {
        Actions.Add($"grain: issuer {issuerRef.Kind}/{issuerRef.Name}");
        return Task.FromResult(Issuer);
    }

    public Task<RenewalSuggestion> TrackRenewalInfoAsync(AcmeIssuerContext acme, TrackedCertificate certificate)
    {
        Actions.Add("grain: track-renewal-info");
        return Task.FromResult(RenewalAnswer ?? new RenewalSuggestion { SerialHex = certificate.SerialHex, CertId = "cert-id" });
    }

    public Task StopRenewalInfoAsync()
    {
        Actions.Add("grain: stop-renewal-info");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ObjectKey>> HoldIdentifierSetAsync(string identifierSetKey)
    {
        Actions.Add($"grain: hold {identifierSetKey}");
        return Task.FromResult<IReadOnlyList<ObjectKey>>(IdentifierSetHolders);
    }

    public Task DropIdentifierSetAsync(string identifierSetKey)
    {
        Actions.Add($"grain: drop {identifierSetKey}");
        return Task.CompletedTask;
    }

    public Task<RateLimitWait?> CheckBudgetsAsync(RateLimitBudgets.Order order)
    {
        Actions.Add($"grain: budgets renewal={order.Renewal} replaces={order.Replaces}");
        return Task.FromResult(BudgetWait);
    }

    public Task ReleaseReservationAsync(BudgetReservation reservation, bool orderPlaced)
    {
        Actions.Add($"grain: release-reservation orderPlaced={orderPlaced}");
        return Task.CompletedTask;
    }

    public Task WakeAtAsync(DateTimeOffset at, TimeSpan period)
    {
        Actions.Add($"wake {at - Clock.GetUtcNow()} every {period}");
        return Task.CompletedTask;
    }

    public Task SleepUntilAsync(DateTimeOffset? at)
    {
        Actions.Add(at is { } wake ? $"sleep {wake - Clock.GetUtcNow()}" : "sleep");
        return Task.CompletedTask;
    }

    public void ReconcileSoon() => Actions.Add("reconcile-soon");

    public void Dispose() => Memory.Dispose();
}
