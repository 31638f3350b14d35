namespace CertFleet.Providers.Http01;

/// <summary>A challenge name did not resolve; the message is already in the self-check's words.</summary>
public sealed class DnsResolutionException(string message, Exception? inner = null) : Exception(message, inner);
