from core.exceptions import Conflict


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"
    default_detail = "This category still has products; move or delete them first."
