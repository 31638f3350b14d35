using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Tests;

/// <summary>The spec checks added for hostile or careless input: each names the field and the fix.</summary>
public sealed class SpecValidationLimitsTests
{
    private static CertificateSpec Spec(Func<CertificateSpec, CertificateSpec>? change = null)
    {
        var spec = new CertificateSpec
        {
            SecretName = "web-tls",
            IssuerRef = new IssuerRef { Name = "ca" },
            DnsNames = ["web.example.test"],
        };
        return change is null ? spec : change(spec);
    }

    [Theory]
    [InlineData("a..example.test", "empty label")]
    [InlineData("bad name.example.test", "only letters, digits, hyphens")]
    [InlineData("-lead.example.test", "starts or ends with a hyphen")]
    [InlineData("x.*.example.test", "only letters, digits, hyphens")]
    public void BadDnsNamesAreRefused(string name, string fragment)
    {
        var error = Assert.Single(CertificateSpecValidation.Validate(Spec(s => s with { DnsNames = [name] })));
        Assert.StartsWith("spec.dnsNames: Invalid value", error);
        Assert.Contains(fragment, error);
    }

    [Fact]
    public void NamesOver253CharactersAndLabelsOver63AreRefusedWithoutQuotingThemWhole()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".test"; // 309 characters
        var longLabel = new string('b', 64) + ".example.test";
        var errors = CertificateSpecValidation.Validate(Spec(s => s with { DnsNames = [longName, longLabel, "*.ok.example.test"] }));
        Assert.Equal(2, errors.Count);
        Assert.Contains("309 characters, a DNS name has at most 253", errors[0]);
        Assert.DoesNotContain(longName, errors[0]);
        Assert.Contains("has 64 characters, at most 63 are allowed", errors[1]);
    }

    [Fact]
    public void AnInvalidEmailAddressIsRefused()
    {
        var errors = CertificateSpecValidation.Validate(Spec(s => s with { EmailAddresses = ["ops@example.test", "Ops <ops@example.test>", "nobody"] }));
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("spec.emailAddresses: Invalid value", e));
        Assert.Contains("\"nobody\"", errors[1]);
    }

    [Fact]
    public void AKeystoreWithoutAPasswordIsRefused()
    {
        var errors = CertificateSpecValidation.Validate(Spec(s => s with
        {
            Keystores = new CertificateKeystores
            {
                Jks = new JksKeystore { Create = true },
                Pkcs12 = new Pkcs12Keystore { Create = true, Password = "p", PasswordSecretRef = new SecretKeySelector { Name = "pw", Key = "k" } },
            },
        }));
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("spec.keystores.jks: Required value", errors[0]);
        Assert.StartsWith("spec.keystores.pkcs12: Forbidden", errors[1]);
    }

    [Fact]
    public void ASecretTemplateMayNotSetCertManagerAnnotations()
    {
        var error = Assert.Single(CertificateSpecValidation.Validate(Spec(s => s with
        {
            SecretTemplate = new TemplateMetadata { Annotations = new() { ["cert-manager.io/issuer-name"] = "x", ["team"] = "shop" } },
        })));
        Assert.Contains("spec.secretTemplate.annotations", error);
        Assert.Contains("cert-manager.io/issuer-name", error);
    }

    [Fact]
    public void ASignatureAlgorithmThatDoesNotFitTheKeyIsRefused()
    {
        var error = Assert.Single(CertificateSpecValidation.Validate(Spec(s => s with
        {
            PrivateKey = new CertificatePrivateKey { Algorithm = "ECDSA" },
            SignatureAlgorithm = "SHA256WithRSA",
        })));
        Assert.StartsWith("spec.signatureAlgorithm: SHA256WithRSA cannot be used with a ECDSA key", error);
    }

    [Fact]
    public void AcmeIssuersRefuseMoreThan100IdentifiersAndNonDnsSans()
    {
        var many = Spec(s => s with { DnsNames = [.. Enumerable.Range(0, 101).Select(i => $"h{i}.example.test")], Uris = ["spiffe://x/y"] });
        var errors = CertificateSpecValidation.ValidateForIssuer(many, "ACME");
        Assert.Equal(2, errors.Count);
        Assert.Contains("101 identifiers, but an ACME order may hold at most 100", errors[0]);
        Assert.Contains("spec.uris", errors[1]);
        Assert.Empty(CertificateSpecValidation.ValidateForIssuer(many, "CA"));
        Assert.Empty(CertificateSpecValidation.ValidateForIssuer(Spec(s => s with { DnsNames = [.. Enumerable.Range(0, 100).Select(i => $"h{i}.example.test")] }), "ACME"));
    }

    [Fact]
    public void AMessageListsTenProblemsAndCountsTheRest()
    {
        var problems = Enumerable.Range(0, 1000).Select(i => $"problem {i}").ToList();
        var message = CertificateSpecValidation.Describe(problems);
        Assert.Contains("problem 9;", message);
        Assert.DoesNotContain("problem 10;", message);
        Assert.EndsWith("and 990 more problems", message);
    }
}
