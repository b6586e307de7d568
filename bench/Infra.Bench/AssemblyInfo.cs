// The data path and failover parts run on the lab's network namespaces (src/Infra.Lab): Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
