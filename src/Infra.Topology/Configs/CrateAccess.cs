namespace Infra.Topology.Configs;

/// <summary>
/// Who is who to CrateDB. The apps are one user, with the privileges an app needs on its own schema and nothing
/// cluster-wide (no user management, no cluster settings); its password is the stack's secret
/// <see cref="Spec.Secrets.CratePasswordKey"/>. The deployment itself acts as CrateDB's superuser `crate`, which has no
/// password (CrateDB allows none) and is trusted from one place only: the admin network, a Docker network on each CrateDB
/// host that only the host's Docker engine (root, and the docker group, which is root-equivalent) can put a container
/// on. Every host service runs on the host's network, so a neighbour reaches CrateDB from 127.0.0.1 or the host's
/// address; neither is the admin network's, and the firewall drops a packet that claims an admin address without
/// arriving on its bridge. Privileges: https://cratedb.com/docs/crate/reference/en/latest/admin/privileges.html
/// </summary>
public static class CrateAccess
{
    public const string User = "microblog";

    /// <summary>CrateDB's default schema, where the app's tables live.</summary>
    public const string Schema = "doc";

    /// <summary>Read (DQL), write (DML) and create or alter its own tables (DDL), on <see cref="Schema"/> only.</summary>
    public const string Privileges = "DQL, DML, DDL";

    /// <summary>CrateDB's superuser: it cannot have a password, and only it may run `ALTER CLUSTER DECOMMISSION`.</summary>
    public const string Superuser = "crate";

    /// <summary>The Docker network the deployment's statements come from (a bridge, on each CrateDB host).</summary>
    public const string AdminNetwork = "microblog-admin";

    /// <summary>Its bridge on the host: the only interface a packet from an admin address may arrive on.</summary>
    public const string AdminBridge = "mb-admin";

    /// <summary>Link-local, so it is routed nowhere and clashes with no network of the operator's.</summary>
    public const string AdminSubnet = "169.254.77.0/28";

    /// <summary>The host's own address on the bridge: where each node also listens for the deployment's statements.</summary>
    public const string AdminGateway = "169.254.77.1";

    /// <summary>
    /// The addresses Docker gives the containers on the admin network, and the only ones CrateDB trusts as its superuser
    /// (the gateway, which every process of the host may use as a source address, is outside it).
    /// </summary>
    public const string AdminClients = "169.254.77.8/29";
}
