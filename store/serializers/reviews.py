from rest_framework import serializers

from store.models import Review


class ReviewAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField(help_text="The author's first name, or their username without one.")

    def get_name(self, user) -> str:
        return user.first_name or user.username


class ReviewSerializer(serializers.ModelSerializer):
    """A review as everyone sees it; `is_hidden` is always false outside the answers to managers and admins."""

    rating = serializers.IntegerField(min_value=Review.MIN_RATING, max_value=Review.MAX_RATING)
    author = ReviewAuthorSerializer(source="user", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "rating", "title", "body", "author", "is_hidden", "created_at", "updated_at"]
        read_only_fields = ["id", "is_hidden", "created_at", "updated_at"]
