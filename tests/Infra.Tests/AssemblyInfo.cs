// PULUMI_CONFIG is process-wide and Pulumi's test deployments must run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
