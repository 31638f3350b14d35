using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class AcmeProblemTests
{
    [Theory]
    [InlineData("badNonce", 400, AcmeProblemAction.RetryNow)]
    [InlineData("rateLimited", 429, AcmeProblemAction.WaitForRetryAfter)]
    [InlineData("serverInternal", 500, AcmeProblemAction.BackOff)]
    [InlineData("connection", 400, AcmeProblemAction.FixConfiguration)]
    [InlineData("dns", 400, AcmeProblemAction.FixConfiguration)]
    [InlineData("tls", 400, AcmeProblemAction.FixConfiguration)]
    [InlineData("incorrectResponse", 400, AcmeProblemAction.FixConfiguration)]
    [InlineData("unauthorized", 403, AcmeProblemAction.FixConfiguration)]
    [InlineData("caa", 403, AcmeProblemAction.FixConfiguration)]
    [InlineData("userActionRequired", 403, AcmeProblemAction.FixConfiguration)]
    [InlineData("accountDoesNotExist", 400, AcmeProblemAction.ReRegister)]
    [InlineData("externalAccountRequired", 403, AcmeProblemAction.Permanent)]
    [InlineData("malformed", 400, AcmeProblemAction.Permanent)]
    [InlineData("badCSR", 400, AcmeProblemAction.Permanent)]
    [InlineData("badPublicKey", 400, AcmeProblemAction.Permanent)]
    [InlineData("badSignatureAlgorithm", 400, AcmeProblemAction.Permanent)]
    [InlineData("rejectedIdentifier", 400, AcmeProblemAction.Permanent)]
    [InlineData("unsupportedIdentifier", 400, AcmeProblemAction.Permanent)]
    [InlineData("invalidContact", 400, AcmeProblemAction.Permanent)]
    [InlineData("invalidProfile", 400, AcmeProblemAction.Permanent)]
    [InlineData("orderNotReady", 403, AcmeProblemAction.FlowError)]
    [InlineData("alreadyRevoked", 400, AcmeProblemAction.FlowError)]
    [InlineData("alreadyReplaced", 409, AcmeProblemAction.FlowError)]
    public void ACME_error_types_map_to_the_documented_action(string shortType, int status, AcmeProblemAction action)
    {
        var problem = AcmeProblem.Parse($$"""{"type":"urn:ietf:params:acme:error:{{shortType}}","detail":"d","status":{{status}}}""", status);

        Assert.Equal(shortType, problem.ShortType);
        Assert.Equal(action, problem.Action);
    }

    [Theory]
    [InlineData(503, AcmeProblemAction.WaitForRetryAfter)]
    [InlineData(429, AcmeProblemAction.WaitForRetryAfter)]
    [InlineData(502, AcmeProblemAction.BackOff)]
    [InlineData(404, AcmeProblemAction.Permanent)]
    public void Non_problem_bodies_map_by_HTTP_status(int status, AcmeProblemAction action)
    {
        var problem = AcmeProblem.Parse("<html>Service Unavailable</html>", status);

        Assert.Equal("about:blank", problem.Type);
        Assert.Equal("<html>Service Unavailable</html>", problem.Detail);
        Assert.Equal(status, problem.Status);
        Assert.Equal(action, problem.Action);
    }

    [Fact]
    public void Subproblems_are_read_with_their_identifiers_and_named_in_the_description()
    {
        const string body = """
            {"type":"urn:ietf:params:acme:error:compound","detail":"Some identifiers were rejected","status":400,
             "subproblems":[
               {"type":"urn:ietf:params:acme:error:caa","detail":"CAA record forbids issuance","identifier":{"type":"dns","value":"a.example"}},
               {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"blocked","identifier":{"type":"dns","value":"b.example"}}]}
            """;

        var problem = AcmeProblem.Parse(body, 400);

        Assert.Equal(2, problem.Subproblems.Count);
        Assert.Equal(AcmeIdentifier.Dns("a.example"), problem.Subproblems[0].Identifier);
        Assert.Equal("urn:ietf:params:acme:error:caa", problem.Subproblems[0].Type);
        // A compound problem is handled as its first subproblem.
        Assert.Equal(AcmeProblemAction.FixConfiguration, problem.Action);
        Assert.Equal("Some identifiers were rejected; a.example: CAA record forbids issuance; b.example: blocked", problem.Describe());
    }

    [Fact]
    public void Unknown_non_ACME_types_keep_their_full_type()
    {
        var problem = AcmeProblem.Parse("""{"type":"https://ca.example/errors/quota","status":403}""", 403);

        Assert.Equal("https://ca.example/errors/quota", problem.ShortType);
        Assert.Equal(AcmeProblemAction.Permanent, problem.Action);
        Assert.Equal("https://ca.example/errors/quota", problem.Describe());
    }

    [Fact]
    public void A_CA_text_past_1024_characters_is_cut_and_subproblems_past_it_are_counted()
    {
        var subproblems = string.Join(",", Enumerable.Range(0, 300).Select(i =>
            $$$"""{"type":"urn:ietf:params:acme:error:caa","detail":"{{{new string('d', 100)}}}","identifier":{"type":"dns","value":"n{{{i}}}.example"}}"""));
        var json = $$$"""{"type":"urn:ietf:params:acme:error:compound","detail":"{{{new string('x', 5000)}}}","status":403,"subproblems":[{{{subproblems}}}]}""";

        var problem = AcmeProblem.Parse(json, 403);

        Assert.Equal(new string('x', 1024) + "… (cut at 1,024 of 5,000 characters)", problem.Detail);
        Assert.Equal(AcmeProblem.MaxSubproblems, problem.Subproblems.Count);
        var description = problem.Describe();
        Assert.StartsWith(problem.Detail, description);
        // The detail alone reaches the limit: every subproblem is counted, none listed.
        Assert.EndsWith($"; and {AcmeProblem.MaxSubproblems} more", description);

        var shortDetail = AcmeProblem.Parse(json.Replace(new string('x', 5000), "rejected", StringComparison.Ordinal), 403).Describe();
        Assert.StartsWith("rejected; n0.example: " + new string('d', 100) + "; n1.example: ", shortDetail);
        Assert.Matches(@"; and \d+ more$", shortDetail);
        Assert.InRange(shortDetail.Length, AcmeProblem.MaxTextChars, 2 * AcmeProblem.MaxTextChars);
    }
}
