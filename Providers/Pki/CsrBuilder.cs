using System.Formats.Asn1;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>Builds and reads PKCS#10 certificate signing requests the way cert-manager does.</summary>
public static class CsrBuilder
{
    /// <summary>
    /// A PEM CSR for <paramref name="template"/>, signed with <paramref name="key"/>: subject, SANs and, when
    /// <see cref="CertificateTemplate.EncodeUsagesInRequest"/>, KeyUsage/ExtendedKeyUsage/BasicConstraints in the
    /// extension request.
    /// </summary>
    public static string BuildPem(CertificateTemplate template, PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(key);

        var subject = DistinguishedName.FromTemplate(template);
        var alternativeNames = SubjectAlternativeNames.FromTemplate(template);
        if (subject.IsEmpty && alternativeNames.IsEmpty)
        {
            throw new PkiException(
                "the certificate names nothing: set at least one of spec.commonName, spec.literalSubject, spec.dnsNames, spec.ipAddresses, spec.uris, spec.emailAddresses or spec.otherNames");
        }
        if (template.NameConstraints is not null && !template.IsCA)
        {
            throw new PkiException("spec.nameConstraints is only allowed on CA certificates; set spec.isCA: true or remove it");
        }
        var (keyUsage, extendedKeyUsages) = CertificateUsages.ToX509(template.Usages, template.IsCA, "spec.usages");
        var signatureAlgorithm = SignatureAlgorithm.For(key.Algorithm, key.Size, template.SignatureAlgorithm);

        var request = new CertificateRequest(new X500DistinguishedName(subject.Encode()), key.PublicKey, signatureAlgorithm.Hash);
        if (!alternativeNames.IsEmpty)
        {
            request.CertificateExtensions.Add(alternativeNames.ToExtension(critical: subject.IsEmpty));
        }
        if (template.EncodeUsagesInRequest)
        {
            foreach (var extension in X509ExtensionSet.ForUsages(keyUsage, extendedKeyUsages))
            {
                request.CertificateExtensions.Add(extension);
            }
            request.CertificateExtensions.Add(X509ExtensionSet.BasicConstraints(template.IsCA));
        }
        if (template.NameConstraints is { } nameConstraints)
        {
            request.CertificateExtensions.Add(nameConstraints.ToExtension());
        }
        return PemBundle.Encode(PemBundle.CertificateRequestLabel, request.CreateSigningRequest(key.CreateSignatureGenerator()));
    }

    /// <summary>Parses the first CSR in <paramref name="pem"/> and verifies its self-signature.</summary>
    /// <remarks>
    /// The same string object parsed before gets the same result without a second check: a CertificateRequest's grain
    /// checks its CSR and hands that very string to its issuer's signer (grain calls pass strings by reference).
    /// </remarks>
    public static CsrInfo Parse(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (ParsedPems.TryGetValue(pem, out var parsed))
            return parsed;
        parsed = ParseDer(DerOf(pem));
        ParsedPems.AddOrUpdate(pem, parsed);
        return parsed;
    }

    // By string identity: an entry lives as long as its PEM string does.
    private static readonly ConditionalWeakTable<string, CsrInfo> ParsedPems = new();

    /// <summary>
    /// The DER of the first CSR in <paramref name="pem"/>, neither parsed nor verified: for a CSR <see cref="Parse"/>
    /// has checked before (an ACME order's, sent to the CA as it is).
    /// </summary>
    public static byte[] DerOf(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var block = PemBundle.Split(pem).FirstOrDefault(b => b.Label is PemBundle.CertificateRequestLabel or "NEW CERTIFICATE REQUEST")
            ?? throw new PkiException($"CSR: no \"-----BEGIN {PemBundle.CertificateRequestLabel}-----\" block found");
        return block.Der;
    }

    // What ParseDer returned, by identity: a copy made with `with` (whose fields may differ from its DER) is not in it.
    private static readonly ConditionalWeakTable<CsrInfo, CsrInfo> Verified = new();

    /// <summary>
    /// <paramref name="csr"/> when <see cref="ParseDer"/> made it (its fields are its verified DER's), else its DER parsed
    /// and verified again: a signer pays for the parse once per request, not twice.
    /// </summary>
    internal static CsrInfo AsVerified(CsrInfo csr) => Verified.TryGetValue(csr, out _) ? csr : ParseDer(csr.Der);

    internal static CsrInfo ParseDer(byte[] der)
    {
        const string what = "CSR";
        var (signed, subjectDer, publicKeyDer, extensions) = ReadRequestInfo(der);
        DistinguishedName subject;
        try
        {
            subject = DistinguishedName.Decode(subjectDer);
        }
        catch (AsnContentException e)
        {
            throw new PkiException("CSR: not a valid PKCS#10 request (its DER is corrupt); regenerate it", e);
        }

        var supportedAlgorithm = SignatureAlgorithm.FromOid(signed.AlgorithmOid);
        var verified = false;
        var publicKey = supportedAlgorithm is null
            ? SubjectPublicKey.Parse(publicKeyDer, what)
            : SubjectPublicKey.Parse(publicKeyDer, what, supportedAlgorithm, signed.ToBeSigned.Span, signed.Signature, out verified);
        var signatureAlgorithm = supportedAlgorithm
            ?? throw new PkiException(
                $"CSR: signature algorithm {signed.AlgorithmOid} is not supported; sign with SHA-256/384/512 with RSA (PKCS#1 v1.5), ECDSA, or Ed25519");
        if (!verified)
        {
            throw new PkiException("CSR: the signature does not verify with the CSR's own public key; the request was altered or signed with another key");
        }

        var extensionSet = new X509ExtensionSet(extensions, what);
        var alternativeNames = extensionSet.SubjectAlternativeNames;
        var parsed = new CsrInfo
        {
            SubjectDN = subject.ToString(),
            CommonName = subject.CommonName,
            Subject = subject.ToSubjectFields(),
            RawSubject = subjectDer.ToArray(),
            DnsNames = alternativeNames.DnsNames,
            IpAddresses = alternativeNames.IpAddresses,
            Uris = alternativeNames.Uris,
            EmailAddresses = alternativeNames.EmailAddresses,
            OtherNames = alternativeNames.OtherNames,
            RequestedUsages = extensionSet.Usages,
            RequestedIsCA = extensionSet.IsCA,
            PublicKeyAlgorithm = publicKey.Algorithm,
            KeySize = publicKey.Size,
            SubjectPublicKeyInfo = publicKeyDer.ToArray(),
            SignatureAlgorithm = signatureAlgorithm.Name,
            Der = der.ToArray(),
            SubjectAltNameExtension = extensionSet.Find(Oids.SubjectAltName),
            NameConstraintsExtension = extensionSet.Find(Oids.NameConstraints),
        };
        Verified.AddOrUpdate(parsed, parsed);
        return parsed;
    }

    /// <summary>
    /// The names a CSR asks for, read without importing its key or checking its signature: for a caller that made the
    /// CSR itself (or parsed it with <see cref="ParseDer"/>) and only compares names, such as an ACME finalize.
    /// </summary>
    internal static SubjectAlternativeNames RequestedNames(byte[] der) =>
        new X509ExtensionSet(ReadRequestInfo(der).Extensions, "CSR").SubjectAlternativeNames;

    private static (SignedStructure Signed, ReadOnlyMemory<byte> Subject, ReadOnlyMemory<byte> PublicKey, List<X509Extension> Extensions) ReadRequestInfo(byte[] der)
    {
        try
        {
            var signed = SignedStructure.Split(der);
            var info = new AsnReader(signed.ToBeSigned, AsnEncodingRules.DER).ReadSequence();
            if (!info.TryReadInt32(out var version) || version != 0)
            {
                throw new PkiException("CSR: only PKCS#10 version 1 (encoded 0) requests are supported");
            }
            var subjectDer = info.ReadEncodedValue();
            var publicKeyDer = info.ReadEncodedValue();
            var extensions = new List<X509Extension>();
            if (info.HasData)
            {
                ReadExtensionRequest(info.ReadSetOf(skipSortOrderValidation: true, new Asn1Tag(TagClass.ContextSpecific, 0)), extensions);
            }
            info.ThrowIfNotEmpty();
            return (signed, subjectDer, publicKeyDer, extensions);
        }
        catch (AsnContentException e)
        {
            throw new PkiException("CSR: not a valid PKCS#10 request (its DER is corrupt); regenerate it", e);
        }
    }

    /// <summary>Collects the extensions of the PKCS#9 extensionRequest attribute; other attributes are ignored.</summary>
    private static void ReadExtensionRequest(AsnReader attributes, List<X509Extension> extensions)
    {
        while (attributes.HasData)
        {
            var attribute = attributes.ReadSequence();
            var type = attribute.ReadObjectIdentifier();
            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            if (type != Oids.ExtensionRequest)
            {
                continue;
            }
            var sequence = values.ReadSequence();
            while (sequence.HasData)
            {
                var extension = sequence.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                extensions.Add(new X509Extension(oid, extension.ReadOctetString(), critical));
                extension.ThrowIfNotEmpty();
            }
        }
    }
}
