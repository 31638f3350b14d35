namespace CertFleet.Interfaces.Fleet;

/// <summary>One place a FleetCertificate's Secret is copied to: a member cluster and a namespace in it.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetPlacement")]
public sealed record FleetPlacement([property: Id(0)] string Cluster, [property: Id(1)] string Namespace);
