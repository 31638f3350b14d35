using CertFleet.Interfaces.Fleet;
using Orleans.Concurrency;

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

    /// <summary>
    /// Every holder. Interleaves: the directory asks while this grain may be waiting on the directory's
    /// <see cref="IDuplicateSetDirectoryGrain.ListAsync"/>, which would otherwise deadlock until the call timeout.
    /// </summary>
    [Alias("GetHolders"), AlwaysInterleave]
    Task<IReadOnlyList<ObjectKey>> GetHoldersAsync();
}

/// <summary>
/// The identifier sets that have more than one holder now (key <see cref="SingletonKey"/>), so the fleet CLI can name
/// the duplicates' Certificates. Only duplicated sets are listed, which keeps it small.
/// </summary>
[Alias("certfleet.IDuplicateSetDirectoryGrain")]
public interface IDuplicateSetDirectoryGrain : IGrainWithStringKey
{
    public const string SingletonKey = "duplicates";

    /// <summary>Lists <paramref name="identifierSetKey"/> (it has two holders or more) or unlists it (one or none).</summary>
    [Alias("Set")]
    Task SetAsync(string identifierSetKey, bool duplicated);

    /// <summary>Each listed set with its holders, ordered by key; sets no longer duplicated are left out.</summary>
    [Alias("List")]
    Task<IReadOnlyList<FleetDuplicateSet>> ListAsync();
}
