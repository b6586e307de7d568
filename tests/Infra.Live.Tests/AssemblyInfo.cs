// Live tests measure failover timing on two cores: one lab at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Network namespaces, nsenter and nftables: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
