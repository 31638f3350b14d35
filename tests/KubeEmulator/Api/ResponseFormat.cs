namespace CertFleet.KubeEmulator.Api;

/// <summary>What a client asked for in Accept: the object itself, a server-side Table, or only metadata.</summary>
internal enum OutputKind
{
    Object,
    Table,
    Metadata,
}

/// <summary>The representation negotiated from an Accept header, as the apiserver negotiates it.</summary>
internal sealed record ResponseFormat(OutputKind Kind, string MetaVersion)
{
    public static readonly ResponseFormat Object = new(OutputKind.Object, "v1");

    /// <summary>The Content-Type of a response in this format.</summary>
    public string ContentType => Kind switch
    {
        OutputKind.Table => $"application/json;as=Table;v={MetaVersion};g=meta.k8s.io",
        OutputKind.Metadata => $"application/json;as=PartialObjectMetadata;v={MetaVersion};g=meta.k8s.io",
        _ => "application/json",
    };

    public string MetaApiVersion => $"meta.k8s.io/{MetaVersion}";

    /// <summary>The first media range the emulator can produce; JSON when none is recognised.</summary>
    public static ResponseFormat FromAccept(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return Object;
        }
        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';').Select(p => p.Trim()).ToList();
            var media = parts[0];
            var parameters = parts.Skip(1)
                .Select(p => p.Split('=', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim())
                .ToDictionary(g => g.Key, g => g.First()[1].Trim());
            if (media is not ("application/json" or "application/*" or "*/*"))
            {
                continue;
            }
            if (!parameters.TryGetValue("as", out var representation))
            {
                return Object;
            }
            if (parameters.GetValueOrDefault("g") != "meta.k8s.io" || parameters.GetValueOrDefault("v") is not ("v1" or "v1beta1"))
            {
                continue;
            }
            var version = parameters["v"];
            switch (representation)
            {
                case "Table":
                    return new ResponseFormat(OutputKind.Table, version);
                case "PartialObjectMetadata" or "PartialObjectMetadataList":
                    return new ResponseFormat(OutputKind.Metadata, version);
            }
        }
        return Object;
    }
}
