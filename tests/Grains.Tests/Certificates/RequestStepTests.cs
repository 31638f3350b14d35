using System.Text;
using CertFleet.Grains.Certificates;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The request step as tables: creating the CertificateRequest once, and submitting it with the pass's snapshot.</summary>
public sealed class RequestStepTests
{
    private static (StepWorld World, IssuanceProgress Issuance, PrivateKey Key) KeyStored(Certificate? certificate = null)
    {
        var world = new StepWorld(certificate);
        var issuance = new IssuanceProgress
        {
            Revision = 2, Reason = "Renewing", Message = "m", For = Issuance.IssuedForBuilder.From(world.State.Object!.Spec),
            NextPrivateKeySecretName = "web-key",
        };
        world.State.Issuance = issuance;
        world.State.Step = IssuanceStep.KeyStored;
        var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        world.Memory.KeepNextKey(key);
        return (world, issuance, key);
    }

    [Fact]
    public async Task CreatesTheRequestOnceAndSubmitsTheSameObjectWithTheSnapshot()
    {
        var (world, issuance, key) = KeyStored();
        using var _ = world;
        var pass = world.Pass();

        await RequestStep.CreateAsync(pass, issuance, key);
        var final = await RequestStep.SubmitAsync(pass, issuance, key);

        Assert.False(final);
        Assert.Equal(["create-request web-2", "save RequestCreated", "event Normal Requested: Created new CertificateRequest resource \"web-2\"",
            "grain: issuer Issuer/ca", "grain: submit web-2", "temporary-certificate"], world.Actions);
        Assert.Equal(IssuanceStep.RequestCreated, world.State.Step);
        Assert.Equal("uid-request", issuance.RequestUid);
        var (submitted, snapshot) = Assert.Single(world.Submitted);
        Assert.Same(world.Issuer, snapshot);
        Assert.Same(world.Memory.Request, submitted);
        Assert.Equal("uid-request", submitted.Metadata.Uid);
        Assert.Equal(world.CreatedRequests[0].Spec.Request, submitted.Spec.Request);
        var csr = CsrBuilder.Parse(Encoding.UTF8.GetString(submitted.Spec.Request));
        Assert.Equal(["web.example.test"], csr.DnsNames);
    }

    public static TheoryData<string, RequestOutcome?, RequestOutcome, bool, string[]> SubmitCases() => new()
    {
        // case, outcome already known, submit answer, final, actions
        { "pending", null, new RequestOutcome { State = RequestState.Pending }, false, ["grain: issuer Issuer/ca", "grain: submit web-2", "temporary-certificate"] },
        { "issued at once", null, new RequestOutcome { State = RequestState.Issued, ChainPem = "x" }, true, ["grain: issuer Issuer/ca", "grain: submit web-2"] },
        { "failed at once", null, new RequestOutcome { State = RequestState.Failed }, true, ["grain: issuer Issuer/ca", "grain: submit web-2"] },
        { "outcome brought by RequestChanged", new RequestOutcome { State = RequestState.Issued, ChainPem = "x" }, new RequestOutcome { State = RequestState.Pending }, true, [] },
    };

    [Theory]
    [MemberData(nameof(SubmitCases))]
    public async Task Submits(string name, RequestOutcome? known, RequestOutcome answer, bool final, string[] actions)
    {
        var (world, issuance, key) = KeyStored();
        using var _ = world;
        issuance.RequestName = "web-2";
        issuance.CsrPem = CsrBuilder.BuildPem(Issuance.CertificateTemplates.From(world.State.Object!.Spec), key);
        issuance.Outcome = known;
        world.State.Step = IssuanceStep.RequestCreated;
        world.SubmitAnswer = answer;

        Assert.Equal(final, await RequestStep.SubmitAsync(world.Pass(), issuance, key));

        Assert.Equal(actions, world.Actions);
        Assert.Equal(final ? IssuanceStep.OutcomeKnown : IssuanceStep.RequestCreated, world.State.Step);
        Assert.True(name.Length > 0);
    }

    [Fact]
    public async Task ATemporaryCertificateWrittenIsRecordedAndShown()
    {
        var (world, issuance, key) = KeyStored();
        using var _ = world;
        issuance.RequestName = "web-2";
        issuance.CsrPem = "csr";
        world.State.Step = IssuanceStep.RequestCreated;
        world.TemporaryCertificateVersion = "777";

        await RequestStep.SubmitAsync(world.Pass(), issuance, key);

        Assert.Equal("777", world.State.SecretResourceVersion);
        Assert.Contains("event Normal Issuing: Issued temporary certificate", world.Actions);
        Assert.Contains(world.Actions, a => a.StartsWith("status Ready=False/IncorrectIssuer", StringComparison.Ordinal));
    }

    public static TheoryData<string, Func<StepWorld, IssuanceProgress, IssuanceProgress>, string, string?> AnnotationCases() => new()
    {
        { "revision", (_, i) => i, ApiAnnotations.CertificateRevision, "2" },
        { "key Secret", (_, i) => i, ApiAnnotations.PrivateKeySecretName, "web-key" },
        { "certificate name", (_, i) => i, ApiAnnotations.CertificateName, "web" },
        { "first issuance is no renewal", (_, i) => i, CertificateRequestGrain.RenewalAnnotation, null },
        { "renewal of the same identifiers", (w, i) => { w.State.Revision = 1; w.State.IssuedFor = i.For; return i; }, CertificateRequestGrain.RenewalAnnotation, "true" },
        { "ARI replaces", (_, i) => i with { Replaces = "cert-id" }, CertificateRequestGrain.ReplacesAnnotation, "cert-id" },
        { "no dnsPolicy", (_, i) => i, CertificateRequestGrain.DnsPolicyAnnotation, null },
    };

    [Theory]
    [MemberData(nameof(AnnotationCases))]
    public void ShapesTheRequestLikeCertManager(string name, Func<StepWorld, IssuanceProgress, IssuanceProgress> arrange, string annotation, string? value)
    {
        var (world, issuance, key) = KeyStored();
        using var _ = world;
        issuance.CsrPem = "csr";
        var request = RequestStep.RequestFor(world.Pass(), arrange(world, issuance));

        Assert.Equal(value, request.Metadata.Annotations!.GetValueOrDefault(annotation));
        Assert.Equal("web-2", request.Metadata.Name);
        Assert.Equal("uid-web", Assert.Single(request.Metadata.OwnerReferences!).Uid);
        Assert.Equal([KeyUsages.DigitalSignature, KeyUsages.KeyEncipherment], request.Spec.Usages);
        Assert.True(name.Length > 0 && key is not null);
    }

    [Theory]
    [InlineData(10, 3, "web-3")]
    [InlineData(250, 3, null)]
    [InlineData(260, 12, null)]
    public void NamesStayWithinKubernetesLimits(int nameLength, int revision, string? exact)
    {
        var certificateName = nameLength == 10 ? "web" : new string('a', nameLength);
        var name = RequestStep.Name(certificateName, revision);
        Assert.True(name.Length <= 253);
        Assert.EndsWith($"-{revision}", name);
        if (exact is not null)
            Assert.Equal(exact, name);
        else
            Assert.Equal(name, RequestStep.Name(certificateName, revision)); // stable
    }
}
