using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>A Certificate's status write answered 404: the Certificate no longer exists. Caught by its grain.</summary>
public sealed class CertificateGoneException(ClusterWriteException notFound)
    : Exception($"the Certificate no longer exists: {notFound.Message}", notFound);
