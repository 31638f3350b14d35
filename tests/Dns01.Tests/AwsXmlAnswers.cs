using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Dns01.Tests;

/// <summary>How AWS's XML APIs (Route53, STS) answer: a document, or their ErrorResponse shape in the API's namespace.</summary>
public static class AwsXmlAnswers
{
    public static async Task WriteAsync(HttpContext context, HttpStatusCode status, XElement document)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(new XDocument(new XDeclaration("1.0", "UTF-8", null), document).Declaration + "\n" + document);
    }

    public static Task ErrorAsync(HttpContext context, XNamespace ns, HttpStatusCode status, string code, string message) =>
        WriteAsync(context, status, new XElement(ns + "ErrorResponse",
            new XElement(ns + "Error", new XElement(ns + "Type", "Sender"), new XElement(ns + "Code", code), new XElement(ns + "Message", message)),
            new XElement(ns + "RequestId", Guid.NewGuid())));
}
