namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>What a watched change is delivered to: the grains, and what the bridge remembers to route Secret changes.</summary>
public sealed record GrainTargets(IGrainFactory Grains, IssuerSecretIndex IssuerSecrets, FleetCertificateIndex FleetCertificates);
