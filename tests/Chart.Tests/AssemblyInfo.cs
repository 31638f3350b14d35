// helm, kubectl and the read-only publish folder (Unix file modes): these tests run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
