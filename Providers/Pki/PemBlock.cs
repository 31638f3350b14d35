namespace CertFleet.Providers.Pki;

/// <summary>One decoded PEM block: its label ("CERTIFICATE", "PRIVATE KEY", ...) and DER contents.</summary>
public sealed record PemBlock(string Label, byte[] Der);
