using System.Text.Json;
using ECommerceAgents.Local.Deploy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Commands;

/// <summary><c>sam-env</c>: the <c>--env-vars</c> file <c>sam local invoke</c> needs, for a deployed stack or the local stack.</summary>
internal static class SamEnvCommand
{
    public static System.CommandLine.Command Create(System.CommandLine.Option<string?> state)
    {
        var template = new System.CommandLine.Option<string>("--template") { Description = "The synthesized template SAM reads.", DefaultValueFactory = _ => "cdk.out/ECommerceAgents-dev.template.json" };
        var resources = new System.CommandLine.Option<string?>("--resources") { Description = "Output of: aws cloudformation describe-stack-resources --stack-name <stack> --output json (a deployed stack)." };
        var local = new System.CommandLine.Option<bool>("--local") { Description = "Point the functions at the local stack instead (run sam with --docker-network host: the servers bind 127.0.0.1)." };
        var command = new System.CommandLine.Command("sam-env", "Write the --env-vars JSON for `sam local invoke`: each function's ECA_* variables resolved to real names (SAM resolves Ref to logical ids).")
        {
            template, resources, local,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(template)!;
            if (!File.Exists(path)) throw new CliException($"no template at {path}: run `npx cdk synth -c assets=stub` first", 2);
            if (parse.GetValue(local))
            {
                await using var stack = StackContext.Open(parse.GetValue(state), Console.Error, installMissing: false);
                Console.WriteLine(SamEnvironment.ForLocalStack(path, stack.Names, stack.Endpoints, LocalFunctions.Environment(stack).Settings[SettingNames.PseudonymKey]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            if (parse.GetValue(resources) is not { } file) throw new CliException("give --resources <file> (a deployed stack) or --local", 2);
            var (vars, unresolved) = SamEnvironment.FromDeployedStack(path, SamEnvironment.ReadStackResources(await File.ReadAllTextAsync(file, ct)));
            foreach (var u in unresolved) Console.Error.WriteLine("not resolved (set it by hand): " + u);
            Console.WriteLine(vars.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }
}
