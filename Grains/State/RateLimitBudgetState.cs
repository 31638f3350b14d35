namespace CertFleet.Grains.State;

/// <summary>One budget's token bucket, its open reservations and a CA-imposed block.</summary>
[GenerateSerializer, Alias("certfleet.RateLimitBudgetState")]
public sealed record RateLimitBudgetState
{
    [Id(0)] public double Tokens { get; set; }
    [Id(1)] public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The limit last applied (capacity 0: none, only blocks), for snapshots between calls.</summary>
    [Id(2)] public int Capacity { get; set; }
    [Id(3)] public TimeSpan Period { get; set; }
    /// <summary>Reservations not yet committed or released, by holder (an order's grain key; a Certificate's key and revision before), with when they were taken.</summary>
    [Id(4)] public Dictionary<string, DateTimeOffset> Reservations { get; set; } = [];
    [Id(5)] public DateTimeOffset? BlockedUntil { get; set; }
    [Id(6)] public string? BlockedBy { get; set; }
    /// <summary>Set once the directory grain lists this budget.</summary>
    [Id(7)] public bool Registered { get; set; }
    /// <summary>Holders (orders) whose issued certificate was spent, with when, so a repeated report spends nothing more.</summary>
    [Id(8)] public Dictionary<string, DateTimeOffset> Spent { get; set; } = [];
}

/// <summary>The budget grain keys in use.</summary>
[GenerateSerializer, Alias("certfleet.RateLimitDirectoryState")]
public sealed record RateLimitDirectoryState
{
    [Id(0)] public HashSet<string> Budgets { get; set; } = [];
}

/// <summary>The Certificates (cluster/namespace/name) holding one identifier set on one ACME server.</summary>
[GenerateSerializer, Alias("certfleet.IdentifierSetState")]
public sealed record IdentifierSetState
{
    [Id(0)] public List<CertFleet.Interfaces.ObjectKey> Holders { get; set; } = [];
}

/// <summary>The identifier-set grain keys that have more than one holder.</summary>
[GenerateSerializer, Alias("certfleet.DuplicateSetDirectoryState")]
public sealed record DuplicateSetDirectoryState
{
    [Id(0)] public HashSet<string> Sets { get; set; } = [];
}
