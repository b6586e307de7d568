using Infra.Stacks;

return await Pulumi.Deployment.RunAsync<MicroblogStack>();
