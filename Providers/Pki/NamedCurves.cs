using System.Security.Cryptography;

namespace CertFleet.Providers.Pki;

/// <summary>The NIST curves cert-manager allows for ECDSA keys, by their size in bits.</summary>
internal static class NamedCurves
{
    public static ECCurve ForSize(int size) => size switch
    {
        256 => ECCurve.NamedCurves.nistP256,
        384 => ECCurve.NamedCurves.nistP384,
        521 => ECCurve.NamedCurves.nistP521,
        _ => throw new PkiException($"ECDSA size {size} is not supported; use 256, 384 or 521"),
    };

    /// <summary>The curve size of <paramref name="key"/>; other curves (brainpool, secp256k1, explicit parameters) are refused.</summary>
    public static int SizeOf(ECDsa key, string what)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        var oid = curve.IsNamed ? curve.Oid.Value ?? TryOidFromFriendlyName(curve.Oid.FriendlyName) : null;
        return oid switch
        {
            Oids.CurveP256 => 256,
            Oids.CurveP384 => 384,
            Oids.CurveP521 => 521,
            _ => throw new PkiException(
                $"{what}: elliptic curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "with explicit parameters"} is not supported; use P-256, P-384 or P-521"),
        };
    }

    private static string? TryOidFromFriendlyName(string? friendlyName)
    {
        if (friendlyName is null)
        {
            return null;
        }
        try
        {
            return Oid.FromFriendlyName(friendlyName, OidGroup.All).Value;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
