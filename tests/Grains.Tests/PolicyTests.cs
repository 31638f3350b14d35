using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests;

/// <summary>The policy chains as tables: one Secret state in, the first failing check's reason out.</summary>
public sealed class PolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ObjectKey SecretKey = new("c", "ns", "web-tls");

    private static CertificateSpec Spec(Func<CertificateSpec, CertificateSpec>? change = null)
    {
        var spec = new CertificateSpec
        {
            SecretName = "web-tls",
            IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer" },
            DnsNames = ["web.example.test"],
            PrivateKey = new CertificatePrivateKey { Algorithm = "ECDSA" },
        };
        return change is null ? spec : change(spec);
    }

    /// <summary>A Secret as this controller would have written it for <paramref name="spec"/>, valid from an hour ago.</summary>
    private static SecretData IssuedSecret(CertificateSpec spec, TimeSpan? lifetime = null, string? certificateName = "web")
    {
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec(spec.PrivateKey?.Algorithm, spec.PrivateKey?.Size, null));
        var template = CertificateTemplates.From(spec);
        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(template, key));
        var issued = CertificateSigner.SelfSign(new SigningRequest(csr, lifetime ?? TimeSpan.FromDays(90), false, []), key, Now - TimeSpan.FromHours(1));
        var certificate = new Certificate { Metadata = new ObjectMeta { Name = certificateName, Namespace = "ns" }, Spec = spec };
        return SecretContents.Build(SecretKey, certificate, key, issued.ChainPem, issued.CaPem, KeystorePasswords.None).Secret;
    }

    /// <summary>
    /// spec.renewal.windows at the trigger: the certificate (valid from 2026-11-01 11:00Z for 90 days) is due at
    /// 2026-12-31 11:00Z, a Thursday, and renews only in a Saturday 02:00-06:00 UTC window, never between two.
    /// </summary>
    [Theory]
    [InlineData(null, "2026-12-31T12:00:00Z", CertificateReasons.Renewing)]
    [InlineData("0 2 * * 6", "2026-12-31T12:00:00Z", null)]
    [InlineData("0 2 * * 6", "2027-01-02T03:00:00Z", CertificateReasons.Renewing)]
    [InlineData("0 2 * * 6", "2027-01-02T07:00:00Z", null)]
    [InlineData("0 2 * * 6", "2027-01-09T02:30:00Z", CertificateReasons.Renewing)]
    public void A_due_renewal_waits_for_a_renewal_window(string? cron, string now, string? reason)
    {
        var spec = Spec(s => s with
        {
            Renewal = cron is null ? null : new CertificateRenewal { Windows = [new RenewalWindow { Cron = cron, WindowDuration = "4h" }] },
        });

        var violation = Evaluate(CertificatePolicies.Trigger, spec, IssuedSecret(spec),
            now: DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(reason, violation?.Reason);
    }

    private static PolicyViolation? Evaluate(IReadOnlyList<CertificatePolicies.Check> chain, CertificateSpec spec, SecretData? secret,
        DateTimeOffset? now = null, bool remembered = true)
    {
        using var inspection = SecretInspection.Of(secret);
        return CertificatePolicies.Evaluate(chain, new PolicyInput
        {
            CertificateName = "web",
            Spec = spec,
            Secret = inspection.Secret,
            Certificate = inspection.Certificate,
            CertificateError = inspection.CertificateError,
            Key = inspection.Key,
            KeyError = inspection.KeyError,
            Wanted = IssuedForBuilder.From(spec),
            IssuedFor = remembered && secret is not null ? IssuedForBuilder.From(Spec()) : null,
            Now = now ?? Now,
        });
    }

    [Fact]
    public void UpToDateSecretPassesBothChains()
    {
        var secret = IssuedSecret(Spec());
        Assert.Null(Evaluate(CertificatePolicies.Trigger, Spec(), secret));
        Assert.Null(Evaluate(CertificatePolicies.Readiness, Spec(), secret));
    }

    [Fact]
    public void TemporaryCertificateIsNeitherReadyNorUpToDateEvenWithMatchingIssuerAnnotations()
    {
        var spec = Spec();
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        var certificate = new Certificate { Metadata = new ObjectMeta { Name = "web", Namespace = "ns" }, Spec = spec };
        var temporary = TemporaryCertificate.Build(SecretKey, certificate, key, Now - TimeSpan.FromHours(1)).Secret;
        // Annotations left on the Secret by an earlier issuance from the right issuer must not make it look issued.
        temporary.Annotations[Annotations.IssuerName] = "ca";
        temporary.Annotations[Annotations.IssuerKind] = "Issuer";
        temporary.Annotations[Annotations.IssuerGroup] = "cert-manager.io";

        var expected = new PolicyViolation(CertificateReasons.IncorrectIssuer,
            "Issuing certificate as Secret contains a temporary certificate issued by \"cert-manager.local\", not by \"Issuer.cert-manager.io/ca\"");
        Assert.Equal(expected, Evaluate(CertificatePolicies.Readiness, spec, temporary, remembered: false));
        Assert.Equal(expected, Evaluate(CertificatePolicies.Trigger, spec, temporary, remembered: false));
        Assert.Null(Evaluate(CertificatePolicies.Readiness, spec, IssuedSecret(spec), remembered: false));
    }

    [Theory]
    [InlineData("RSA", null)]
    [InlineData("ECDSA", 384)]
    [InlineData("Ed25519", null)]
    public void TemporaryCertificateCarriesTheNamesAndKeyForEveryKeyType(string algorithm, int? size)
    {
        var spec = Spec(s => s with { CommonName = "web.example.test", PrivateKey = new CertificatePrivateKey { Algorithm = algorithm, Size = size } });
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec(algorithm, size, null));
        var certificate = new Certificate { Metadata = new ObjectMeta { Name = "web", Namespace = "ns" }, Spec = spec };

        var secret = TemporaryCertificate.Build(SecretKey, certificate, key, Now).Secret;

        var leaf = CertificateInfo.ParseFirst(secret.GetString(SecretKeys.TlsCertificate)!);
        Assert.True(leaf.MatchesKey(key));
        Assert.Equal("CN=cert-manager.local", leaf.IssuerDN);
        Assert.Equal("web.example.test", leaf.CommonName);
        Assert.Equal(["web.example.test"], leaf.DnsNames);
        Assert.Equal(["cert-manager"], leaf.Subject.OrganizationalUnits);
        Assert.True(TemporaryCertificateSigner.IsTemporary(leaf));
        Assert.Equal(Now.ToUnixTimeSeconds(), leaf.NotBefore.ToUnixTimeSeconds());
    }

    [Fact]
    public void TemporaryCertificateKeepsALiteralSubjectAsWritten()
    {
        var spec = Spec(s => s with { LiteralSubject = "CN=web.example.test,O=Example" });
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        var certificate = new Certificate { Metadata = new ObjectMeta { Name = "web", Namespace = "ns" }, Spec = spec };

        var leaf = CertificateInfo.ParseFirst(TemporaryCertificate.Build(SecretKey, certificate, key, Now).Secret.GetString(SecretKeys.TlsCertificate)!);

        Assert.Equal("CN=web.example.test,O=Example", leaf.SubjectDN);
    }

    [Fact]
    public void TemporaryCertificateIsOnlyNeededWithoutAUsableKeyPair()
    {
        var spec = Spec();
        using (var missing = SecretInspection.Of(null)) Assert.True(TemporaryCertificate.Needed(missing));
        var issued = IssuedSecret(spec);
        using (var valid = SecretInspection.Of(issued)) Assert.False(TemporaryCertificate.Needed(valid));
        using (var expired = SecretInspection.Of(IssuedSecret(spec, lifetime: TimeSpan.FromMinutes(1)))) Assert.False(TemporaryCertificate.Needed(expired));
        var mismatched = issued with { Data = new(issued.Data) { [SecretKeys.TlsPrivateKey] = IssuedSecret(spec).Data[SecretKeys.TlsPrivateKey] } };
        using (var other = SecretInspection.Of(mismatched)) Assert.True(TemporaryCertificate.Needed(other));
        var keyOnly = issued with { Data = new() { [SecretKeys.TlsPrivateKey] = issued.Data[SecretKeys.TlsPrivateKey] } };
        using (var noCertificate = SecretInspection.Of(keyOnly)) Assert.True(TemporaryCertificate.Needed(noCertificate));
    }

    [Fact]
    public void MissingSecretIsDoesNotExist()
    {
        var violation = Evaluate(CertificatePolicies.Trigger, Spec(), null);
        Assert.Equal(new PolicyViolation(CertificateReasons.DoesNotExist, "Issuing certificate as Secret does not exist"), violation);
    }

    public static TheoryData<string, string, string> BrokenSecrets => new()
    {
        { "no-data", CertificateReasons.MissingData, "Issuing certificate as Secret does not contain any data" },
        { "no-key", CertificateReasons.MissingData, "Issuing certificate as Secret does not contain a private key" },
        { "no-cert", CertificateReasons.MissingData, "Issuing certificate as Secret does not contain a certificate" },
        { "garbage-key", CertificateReasons.InvalidKeyPair, "Issuing certificate as Secret contains invalid private key data" },
        { "garbage-cert", CertificateReasons.InvalidCertificate, "Issuing certificate as Secret contains an invalid certificate" },
        { "other-key", CertificateReasons.InvalidKeyPair, "Issuing certificate as Secret contains a private key that does not match the certificate" },
        { "other-issuer", CertificateReasons.IncorrectIssuer, "Issuing certificate as Secret was previously issued by \"Issuer.cert-manager.io/old-ca\"" },
        { "other-certificate", CertificateReasons.IncorrectCertificate, "Secret was issued for \"api\"" },
    };

    [Theory]
    [MemberData(nameof(BrokenSecrets))]
    public void BrokenSecretsNameTheFirstFailingCheck(string damage, string reason, string messageStart)
    {
        var good = IssuedSecret(Spec());
        var data = new Dictionary<string, byte[]>(good.Data);
        var annotations = new Dictionary<string, string>(good.Annotations);
        switch (damage)
        {
            case "no-data": data.Clear(); break;
            case "no-key": data.Remove(SecretKeys.TlsPrivateKey); break;
            case "no-cert": data.Remove(SecretKeys.TlsCertificate); break;
            case "garbage-key": data[SecretKeys.TlsPrivateKey] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"u8.ToArray(); break;
            case "garbage-cert": data[SecretKeys.TlsCertificate] = "not a certificate"u8.ToArray(); break;
            case "other-key": data[SecretKeys.TlsPrivateKey] = IssuedSecret(Spec()).Data[SecretKeys.TlsPrivateKey]; break;
            case "other-issuer": annotations[Annotations.IssuerName] = "old-ca"; break;
            case "other-certificate": annotations[Annotations.CertificateName] = "api"; break;
        }
        var violation = Evaluate(CertificatePolicies.Trigger, Spec(), good with { Data = data, Annotations = annotations });
        Assert.Equal(reason, violation?.Reason);
        Assert.StartsWith(messageStart, violation!.Message);
        // Readiness fails for the same reason
        Assert.Equal(reason, Evaluate(CertificatePolicies.Readiness, Spec(), good with { Data = data, Annotations = annotations })?.Reason);
    }

    [Fact]
    public void KeyOfAnotherAlgorithmIsSecretMismatch()
    {
        var secret = IssuedSecret(Spec());
        var rsa = Spec(s => s with { PrivateKey = new CertificatePrivateKey { Algorithm = "RSA", Size = 2048 } });
        var violation = Evaluate(CertificatePolicies.Trigger, rsa, secret);
        Assert.Equal(new PolicyViolation(CertificateReasons.SecretMismatch, "Existing private key is not up to date for spec: [spec.privateKey.algorithm]"), violation);
    }

    [Fact]
    public void ChangedSpecIsRequestChangedWhenRememberedAndSecretMismatchOtherwise()
    {
        var secret = IssuedSecret(Spec());
        var more = Spec(s => s with { DnsNames = ["web.example.test", "www.example.test"] });
        Assert.Equal(new PolicyViolation(CertificateReasons.RequestChanged, "Fields on existing CertificateRequest resource not up to date: [spec.dnsNames]"),
            Evaluate(CertificatePolicies.Trigger, more, secret));
        Assert.Equal(new PolicyViolation(CertificateReasons.SecretMismatch, "Issuing certificate as Existing issued Secret is not up to date for spec: [spec.dnsNames]"),
            Evaluate(CertificatePolicies.Trigger, more, secret, remembered: false));
    }

    [Fact]
    public void RenewalTriggersOnlyFromRenewalTimeAndExpiryOnlyFromNotAfter()
    {
        var secret = IssuedSecret(Spec(), lifetime: TimeSpan.FromHours(3));
        // issued an hour before Now for 3h: renewal at notAfter - 1h = Now + 1h, expiry at Now + 2h
        Assert.Null(Evaluate(CertificatePolicies.Trigger, Spec(), secret, Now + TimeSpan.FromMinutes(59)));
        var renewing = Evaluate(CertificatePolicies.Trigger, Spec(), secret, Now + TimeSpan.FromHours(1));
        Assert.Equal(CertificateReasons.Renewing, renewing?.Reason);
        Assert.Equal("Renewing certificate as renewal was scheduled at 2026-11-01T13:00:00Z", renewing!.Message);
        Assert.Null(Evaluate(CertificatePolicies.Readiness, Spec(), secret, Now + TimeSpan.FromHours(1)));
        var expired = Evaluate(CertificatePolicies.Readiness, Spec(), secret, Now + TimeSpan.FromHours(2));
        Assert.Equal(new PolicyViolation(CertificateReasons.Expired, "Certificate expired on Sun, 01 Nov 2026 14:00:00 GMT"), expired);
    }

    [Theory]
    [InlineData(90 * 24, null, null, 60 * 24)]   // default: renew at 2/3 of the lifetime
    [InlineData(90 * 24, 720, null, 60 * 24)]    // renewBefore 30 days
    [InlineData(90 * 24, 24 * 100, null, 60 * 24)] // renewBefore longer than the lifetime: ignored
    [InlineData(60, null, 25, 45)]               // renewBeforePercentage 25 of a 60h lifetime
    public void RenewalTimeFollowsCertManager(int lifetimeHours, int? renewBeforeHours, int? percentage, int expectedHoursAfterStart)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var at = RenewalSchedule.Compute(start, start + TimeSpan.FromHours(lifetimeHours),
            renewBeforeHours is { } rb ? TimeSpan.FromHours(rb) : null, percentage);
        Assert.Equal(start + TimeSpan.FromHours(expectedHoursAfterStart), at);
    }

    [Fact]
    public void RenewalTimeIsTruncatedToSeconds()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var at = RenewalSchedule.Compute(start, start + TimeSpan.FromSeconds(100), null, null);
        Assert.Equal(start + TimeSpan.FromSeconds(66), at); // 100 - 33.33 = 66.67, truncated
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 32)]
    [InlineData(50, 32)]
    public void FailureBackoffDoublesFromOneHourUpToThirtyTwo(int attempts, int hours) =>
        Assert.Equal(TimeSpan.FromHours(hours), IssuanceBackoff.Default.Delay(attempts));

    public static TheoryData<string, string> InvalidSpecs => new()
    {
        { "{\"secretName\":\"\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"]}", "spec.secretName: Required value" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"\"},\"dnsNames\":[\"a\"]}", "spec.issuerRef.name: Required value" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"}}", "at least one of commonName" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"commonName\":\"" + new string('a', 65) + "\"}", "spec.commonName: Too long" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"duration\":\"59m\"}", "spec.duration" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"duration\":\"1h\",\"renewBefore\":\"2h\"}", "spec.renewBefore: Invalid value: \"2h\": must be shorter than spec.duration" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"renewBefore\":\"1m\"}", "must be at least 5m" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"renewBefore\":\"10m\",\"renewBeforePercentage\":10}", "cannot be set together" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"ipAddresses\":[\"300.1.1.1\"]}", "spec.ipAddresses: Invalid value: \"300.1.1.1\"" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"privateKey\":{\"algorithm\":\"RSA\",\"size\":1024}}", "spec.privateKey.size" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"dnsNames\":[\"a\"],\"usages\":[\"server-auth\"]}", "spec.usages: Unsupported value: \"server-auth\"" },
        { "{\"secretName\":\"s\",\"issuerRef\":{\"name\":\"ca\"},\"commonName\":\"a\",\"literalSubject\":\"CN=a\"}", "spec.literalSubject: cannot be combined" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void InvalidSpecsNameTheField(string specJson, string expected)
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize<CertificateSpec>(specJson, ApiJson.Options)!;
        var errors = CertificateSpecValidation.Validate(spec);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidSpecHasNoErrors() => Assert.Empty(CertificateSpecValidation.Validate(Spec()));
}
