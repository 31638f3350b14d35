namespace CertFleet.Providers.Acme;

/// <summary>One entry of a problem's <c>subproblems</c>, usually one per failing identifier.</summary>
public sealed record AcmeSubproblem(string Type, string? Detail, AcmeIdentifier? Identifier);
