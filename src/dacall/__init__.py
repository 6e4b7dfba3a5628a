"""dacall: control-room calls, claimed checks and audit trails, joined."""
