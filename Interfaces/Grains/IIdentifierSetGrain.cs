namespace CertFleet.Interfaces.Grains;

/// <summary>
/// The Certificates that ask one ACME server for one identifier set (key <c>acme-host/identifier-set</c>), in any
/// namespace of any cluster: more than one is a duplicate that burns the per-set limit twice.
/// </summary>
[Alias("certfleet.IIdentifierSetGrain")]
public interface IIdentifierSetGrain : IGrainWithStringKey
{
    /// <summary>Records <paramref name="certificate"/> as a holder; returns the other holders. Others are woken when it is new.</summary>
    [Alias("Hold")]
    Task<IReadOnlyList<ObjectKey>> HoldAsync(ObjectKey certificate);

    /// <summary>The Certificate was deleted or asks for another set now; the remaining holders are woken.</summary>
    [Alias("Drop")]
    Task DropAsync(ObjectKey certificate);
}
