using Amazon.CDK.AWS.DynamoDB;
using Constructs;
using ECommerceAgents.Resources;
using Attribute = Amazon.CDK.AWS.DynamoDB.Attribute;
using KeyType = ECommerceAgents.Resources.KeyType;

namespace ECommerceAgents.Infra.Constructs;

public sealed class OperationalTablesProps
{
    public required StageConfig Stage { get; init; }
}

/// <summary>
/// One table per <see cref="Tables"/> definition, with PITR, encryption, TTL and GSIs from the definition. On demand,
/// except the hot tables a stage provisions (<see cref="StageConfig.ProvisionedTables"/>): those and their indexes get
/// target-tracking auto scaling on reads and writes between the stage's bounds.
/// </summary>
public sealed class OperationalTables : Construct
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);

    public OperationalTables(Construct scope, string id, OperationalTablesProps props) : base(scope, id)
    {
        var provisioned = props.Stage.ProvisionedTables;
        foreach (var definition in Tables.All)
        {
            var capacity = provisioned?.For(definition.Id);
            var table = new Table(this, Naming.Pascal(definition.Id), new TableProps
            {
                PartitionKey = Key(definition.PartitionKey),
                SortKey = definition.SortKey is { } sk ? Key(sk) : null,
                BillingMode = capacity is null ? BillingMode.PAY_PER_REQUEST : BillingMode.PROVISIONED,
                ReadCapacity = capacity?.MinRead,
                WriteCapacity = capacity?.MinWrite,
                PointInTimeRecovery = definition.PointInTimeRecovery,
                Encryption = TableEncryption.AWS_MANAGED,
                TimeToLiveAttribute = definition.TtlAttribute,
                DeletionProtection = props.Stage.TableDeletionProtection,
                RemovalPolicy = props.Stage.RemovalPolicy,
            });

            foreach (var index in definition.GlobalIndexes)
            {
                table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
                {
                    IndexName = index.Name,
                    PartitionKey = Key(index.PartitionKey),
                    SortKey = index.SortKey is { } isk ? Key(isk) : null,
                    ProjectionType = ProjectionType.ALL,
                    ReadCapacity = capacity?.MinRead,
                    WriteCapacity = capacity?.MinWrite,
                });
            }

            if (capacity is not null)
            {
                // Each index of a provisioned table is provisioned too, at the table's bounds: with an ALL projection every
                // write that enters, changes or leaves the index costs the index about what it costs the table.
                var target = new UtilizationScalingProps { TargetUtilizationPercent = provisioned!.TargetUtilizationPercent };
                table.AutoScaleReadCapacity(new EnableScalingProps { MinCapacity = capacity.MinRead, MaxCapacity = capacity.MaxRead }).ScaleOnUtilization(target);
                table.AutoScaleWriteCapacity(new EnableScalingProps { MinCapacity = capacity.MinWrite, MaxCapacity = capacity.MaxWrite }).ScaleOnUtilization(target);
                foreach (var index in definition.GlobalIndexes)
                {
                    table.AutoScaleGlobalSecondaryIndexReadCapacity(index.Name, new EnableScalingProps { MinCapacity = capacity.MinRead, MaxCapacity = capacity.MaxRead }).ScaleOnUtilization(target);
                    table.AutoScaleGlobalSecondaryIndexWriteCapacity(index.Name, new EnableScalingProps { MinCapacity = capacity.MinWrite, MaxCapacity = capacity.MaxWrite }).ScaleOnUtilization(target);
                }
            }

            _tables[definition.Id] = table;
        }
    }

    public Table this[TableDefinition definition] => _tables[definition.Id];

    private static Attribute Key(KeyField field) => new()
    {
        Name = field.Name,
        Type = field.Type switch
        {
            KeyType.S => AttributeType.STRING,
            KeyType.N => AttributeType.NUMBER,
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unsupported key type."),
        },
    };
}
