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

/// <summary>One on-demand table per <see cref="Tables"/> definition, with PITR, encryption, TTL and GSIs from the definition.</summary>
public sealed class OperationalTables : Construct
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);

    public OperationalTables(Construct scope, string id, OperationalTablesProps props) : base(scope, id)
    {
        foreach (var definition in Tables.All)
        {
            var table = new Table(this, Naming.Pascal(definition.Id), new TableProps
            {
                PartitionKey = Key(definition.PartitionKey),
                SortKey = definition.SortKey is { } sk ? Key(sk) : null,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                PointInTimeRecovery = true,
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
                });
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
