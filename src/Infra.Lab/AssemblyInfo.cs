// Network namespaces, nsenter, nftables and Docker engines per host: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
